package dev.parley.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.config.ConfigLoader;
import dev.parley.dialer.DialerTest;
import dev.parley.support.Baresip;
import dev.parley.support.Browser;
import dev.parley.support.CalleeAudio;
import dev.parley.support.Http;
import dev.parley.support.Sipp;
import dev.parley.support.TestServer;
import dev.parley.support.WebhookReceiver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The calls pages in Debian's Chromium, against a real spoken call: a baresip softphone registered to
 * the sandbox answers and says "yes" (espeak-ng), the offline assistant answers. The call is placed
 * through the API while the list is open; everything after is what a person sees and does.
 */
@Tag("sip")
class CallsBrowserTest {
    static final int SIP = Sipp.freeUdpPort();

    @RegisterExtension
    static final TestServer server = TestServer.perClass(Map.of(
            ConfigLoader.SIP_LISTEN, "127.0.0.1:" + SIP,
            ConfigLoader.DIALER_ENABLED, "true",
            ConfigLoader.DIALER_RING_TIMEOUT_SECONDS, "10",
            ConfigLoader.SPEECH_RECOGNIZERS, "1",
            ConfigLoader.WEBHOOK_ALLOWED_HOSTS, "127.0.0.1"));

    /** After the "yes" the assistant asks again and waits 20 s: long enough to hang up from the page. */
    static final String ASSISTANT = """
            {"name": "Reminder", "config": {"max_duration_seconds": 60, "flow": {"steps": [
              {"id": "ask", "say": "Can you make it tomorrow?", "listen": {
                 "intents": [{"name": "yes", "phrases": ["yes", "yeah"], "goto": "more"}],
                 "no_input": {"say": "Are you still there?", "retries": 1, "timeout_seconds": 5}}},
              {"id": "more", "say": "Great. Anything else?", "listen": {
                 "intents": [{"name": "no", "phrases": ["no"], "goto": "bye"}],
                 "no_input": {"retries": 0, "timeout_seconds": 20, "goto": "bye"}}},
              {"id": "bye", "end": {"say": "Goodbye."}}]}}}""";

    static Browser browser;

    @BeforeAll
    static void start() {
        Browser.require();
        Baresip.require();
        server.callAtAnyHour();
        browser = Browser.start(server);
        browser.signIn(server.tenancy.apiKey().orElseThrow());
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void aCallIsFollowedLiveThenHungUpPlayedAndItsWebhookSentAgain() throws Exception {
        String assistantId = server.createAssistant(ASSISTANT).json().at("/data/assistant_id").asText();
        String number = "+14155550177";
        try (Baresip phone = server.softphone(number, SIP, CalleeAudio.of("pause:4", "yes", "pause:30"));
             WebhookReceiver receiver = new WebhookReceiver()) {
            browser.open("/#/calls");
            browser.waitForHeading("Calls");
            browser.script("window.sameDocument = true;");

            // Scheduled 2 s ahead, so the list has time to show it queued before it is dialed.
            Http.Response created = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                    .json("""
                            {"assistant_id": "%s", "to_number": "%s", "webhook_url": "%s", "scheduled_at": "%s"}"""
                            .formatted(assistantId, number, receiver.url(), Instant.now().plusSeconds(2)))
                    .send();
            assertThat(created.status()).as(created.body()).isEqualTo(200);
            String id = created.json().at("/data/call_id").asText();
            By row = By.cssSelector("tr[data-call-id='" + id + "']");

            // The row appears at the top without a reload and moves through its statuses as they happen.
            browser.waitVisible(row);
            assertThat(browser.text(By.cssSelector(".calls-table tbody tr:first-child .call-link"))).isEqualTo(number);
            // The same row and link stay through the polls: only the cells that changed are rebuilt.
            browser.script("const r = document.querySelector(arguments[0]); r.kept = true; r.querySelector('a').focus();",
                    "tr[data-call-id='" + id + "']");
            List<String> seen = new ArrayList<>();
            browser.until(d -> {
                String status = d.findElement(row).findElement(By.cssSelector(".badge")).getText();
                if (seen.isEmpty() || !seen.getLast().equals(status)) {
                    seen.add(status);
                }
                return status.equals("in-progress");
            });
            assertThat(seen).as("statuses the row showed").startsWith("queued").endsWith("in-progress");
            assertThat(browser.text(row)).contains("Reminder");
            assertThat(browser.script("return window.sameDocument === true")).as("no reload").isEqualTo(true);
            assertThat(browser.script("return document.querySelector(arguments[0]).kept === true", "tr[data-call-id='" + id + "']"))
                    .as("the row element was kept").isEqualTo(true);
            assertThat(browser.focused().getText()).as("the focus stays on the row's link").isEqualTo(number);

            // Opened while live: the transcript grows, and the call is hung up from the page.
            browser.driver.findElement(row).findElement(By.cssSelector("a.call-link")).click();
            browser.waitForHeading("Call to " + number);
            browser.until(d -> d.findElements(By.cssSelector(".turn.caller .said")).stream().anyMatch(e -> e.getText().equals("yes")));
            browser.driver.findElement(By.xpath("//button[text()='Hang up']")).click();
            WebElement confirm = browser.waitVisible(By.xpath("//button[text()='Hang up now']"));
            assertThat(browser.focused()).as("the confirmation takes the focus").isEqualTo(confirm);
            confirm.sendKeys(Keys.ENTER);
            browser.waitForText(By.cssSelector("section[aria-labelledby='call-facts'] .badge"), "completed");
            assertThat(browser.text(By.cssSelector("section[aria-labelledby='call-facts']"))).contains("Ended reason\napi-hangup");
            assertThat(browser.driver.findElements(By.xpath("//button[text()='Hang up']")).getFirst().isDisplayed()).isFalse();

            JsonNode call = DialerTest.await(server, id, c -> c.get("status").asText().equals("completed"), "completed");
            assertThat(call.get("ended_reason").asText()).isEqualTo("api-hangup");

            // The transcript: the greeting and the recognized "yes", each with its offset.
            List<String> lines = browser.driver.findElements(By.cssSelector(".transcript .turn")).stream().map(WebElement::getText).toList();
            assertThat(lines.get(0)).contains("Assistant", "0:00", "Can you make it tomorrow?");
            assertThat(lines).anySatisfy(l -> assertThat(l).contains("Caller", "yes"));

            // The recording plays; a line plays from where it starts, and is the one highlighted.
            WebElement yes = browser.until(d -> d.findElements(By.cssSelector(".turn.caller button.line")).stream().findFirst().orElse(null));
            long yesAt = call.get("transcript").get(indexOfCaller(call)).get("start_ms").asLong();
            yes.sendKeys(Keys.ENTER); // a line is a button: the keyboard plays it as a click does
            browser.until(d -> (Boolean) browser.script("const a = document.querySelector('audio.recording');"
                    + " return a.duration > 0 && !a.paused && a.currentTime > arguments[0] + 0.2;", yesAt / 1000.0));
            double position = ((Number) browser.script("return document.querySelector('audio.recording').currentTime")).doubleValue();
            assertThat(position).as("played from the line's offset").isBetween(yesAt / 1000.0, yesAt / 1000.0 + 3);
            assertThat(browser.script("return document.querySelector('audio.recording').src")).asString().startsWith("blob:");
            browser.until(d -> d.findElement(By.cssSelector(".turn.caller")).getAttribute("class").contains("playing"));
            browser.script("document.querySelector('audio.recording').pause()");

            // One bar per measured assistant turn, split into the stages the API measured.
            int measured = call.get("latency").size();
            assertThat(measured).isGreaterThanOrEqualTo(2);
            List<WebElement> bars = browser.driver.findElements(By.cssSelector("svg.latency-chart g.bar"));
            assertThat(bars).hasSize(measured);
            for (WebElement bar : bars) {
                assertThat(bar.findElements(By.cssSelector("rect.segment"))).isNotEmpty();
            }
            assertThat(bars.get(1).findElements(By.cssSelector("rect[data-stage='endpointing_ms']"))).hasSize(1);
            assertThat(browser.driver.findElements(By.cssSelector(".latency-table tbody tr"))).hasSize(measured);

            // Webhook deliveries with their attempts; Re-send makes another attempt of the same event.
            receiver.awaitEvent("call.ended", Duration.ofSeconds(10));
            By queued = By.xpath("//li[contains(@class,'delivery')][.//code[text()='call.queued']]");
            browser.until(d -> d.findElement(queued).getText().contains("HTTP 200"));
            browser.waitVisible(By.xpath("//li[contains(@class,'delivery')][.//code[text()='call.ended']]"));
            String eventId = receiver.awaitEvent("call.queued", Duration.ofSeconds(5)).eventId();
            browser.driver.findElement(queued).findElement(By.cssSelector("button.resend")).click();
            browser.until(d -> d.findElement(queued).findElements(By.cssSelector("table.attempts tbody tr")).size() == 2);
            assertThat(receiver.received().stream().filter(r -> eventId.equals(r.eventId())).count()).isEqualTo(2);
            assertThat(browser.text(queued)).contains("2 attempts");
        }
        browser.assertNoConsoleErrors();
    }

    @Test
    void filtersNarrowTheListAndLiveInTheAddressAndMoreCallsLoadBelow() {
        // Calls to numbers nobody registered end at once as failed / unreachable: more than a page of them.
        String first = server.createCall("+14155550161").json().at("/data/call_id").asText();
        for (int i = 0; i < 25; i++) {
            server.createCall("+1415555017" + (i % 10));
        }
        String second = server.createCall("+14155550162").json().at("/data/call_id").asText();
        DialerTest.await(server, second, c -> c.get("status").asText().equals("failed"), "failed");
        browser.open("/#/calls");
        browser.driver.navigate().refresh(); // a list left open would have kept every call that arrived
        browser.waitVisible(By.cssSelector("tr[data-call-id='" + second + "']"));
        By rows = By.cssSelector(".calls-table tbody tr");
        assertThat(browser.driver.findElements(rows)).hasSize(25);
        browser.driver.findElement(By.xpath("//button[text()='Load more']")).click();
        long all = server.count("SELECT count(*) FROM calls");
        browser.until(d -> d.findElements(rows).size() == all);
        browser.waitVisible(By.cssSelector("tr[data-call-id='" + first + "']"));
        browser.until(d -> !d.findElement(By.xpath("//button[text()='Load more']")).isDisplayed());

        WebElement number = browser.driver.findElement(By.id("filter-number"));
        number.sendKeys("+1 415 555 0162\n");
        browser.until(d -> d.findElements(By.cssSelector(".calls-table tbody tr")).size() == 1);
        assertThat(browser.driver.findElement(By.cssSelector(".calls-table tbody tr")).getAttribute("data-call-id")).isEqualTo(second);
        assertThat(browser.driver.getCurrentUrl()).endsWith("#/calls?number=%2B14155550162");
        assertThat(browser.focused()).as("the field keeps the focus").isEqualTo(browser.driver.findElement(By.id("filter-number")));

        // A reload keeps the filter; a status filter narrows it further, to nothing.
        browser.driver.navigate().refresh();
        browser.waitForHeading("Calls");
        browser.until(d -> d.findElements(By.cssSelector(".calls-table tbody tr")).size() == 1);
        assertThat(browser.driver.findElement(By.id("filter-number")).getAttribute("value")).isEqualTo("+14155550162");
        new org.openqa.selenium.support.ui.Select(browser.driver.findElement(By.id("filter-status"))).selectByValue("completed");
        browser.waitForText(By.cssSelector("p.empty"), "No calls match these filters.");
        assertThat(browser.driver.getCurrentUrl()).contains("status=completed");

        // A number the API refuses is explained next to the field.
        browser.driver.findElement(By.xpath("//button[text()='Clear filters']")).click();
        browser.until(d -> d.findElements(By.cssSelector(".calls-table tbody tr")).size() >= 2);
        WebElement field = browser.driver.findElement(By.id("filter-number"));
        field.sendKeys("4155550162\n");
        browser.waitVisible(By.id("filter-number-error"));
        assertThat(browser.text(By.id("filter-number-error"))).contains("E.164");
        assertThat(field.getAttribute("aria-invalid")).isEqualTo("true");
        browser.assertNoConsoleErrors();
    }

    private static int indexOfCaller(JsonNode call) {
        for (int i = 0; i < call.get("transcript").size(); i++) {
            if (call.get("transcript").get(i).get("speaker").asText().equals("caller")) {
                return i;
            }
        }
        throw new AssertionError("no caller turn: " + call);
    }
}
