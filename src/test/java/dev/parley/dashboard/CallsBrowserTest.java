package dev.parley.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.config.ConfigLoader;
import dev.parley.dialer.DialerTest;
import dev.parley.support.Baresip;
import dev.parley.support.Browser;
import dev.parley.support.CalleeAudio;
import dev.parley.support.FakeChatCompletions;
import dev.parley.support.FakeChatCompletions.Script;
import dev.parley.support.Http;
import dev.parley.support.Sipp;
import dev.parley.support.TestServer;
import dev.parley.support.WebhookReceiver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The calls pages in Debian's Chromium, against real calls: a baresip softphone registered to the
 * sandbox answers and says "yes" (espeak-ng), the offline assistant answers; SIPp presses keys. Calls
 * are placed through the API; everything after is what a person sees and does.
 */
@Tag("sip")
class CallsBrowserTest {
    static final int SIP = Sipp.freeUdpPort();
    static final int TRUNK = Sipp.freeUdpPort();

    @RegisterExtension
    static final TestServer server = TestServer.perClass(Map.of(
            ConfigLoader.SIP_LISTEN, "127.0.0.1:" + SIP,
            ConfigLoader.DIALER_ENABLED, "true",
            ConfigLoader.DIALER_RING_TIMEOUT_SECONDS, "10",
            ConfigLoader.SPEECH_RECOGNIZERS, "1",
            ConfigLoader.WEBHOOK_ALLOWED_HOSTS, "127.0.0.1",
            ConfigLoader.PROVIDERS_ALLOWED_HOSTS, "127.0.0.1"));

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
        new Select(browser.driver.findElement(By.id("filter-status"))).selectByValue("completed");
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

    /**
     * A language-model assistant (its model a chat-completions fake on loopback; the offline recognizer
     * and voice), so its calls get a summary and structured data once they end; it listens for machines.
     */
    static final String FRONT_DESK = """
            {"name": "Front desk", "config": {
              "system_prompt": "You confirm visits for Riverside Dental.",
              "first_message": "%s",
              "end_message": "Goodbye.",
              "model": {"provider": "openai", "model": "gpt-4o-mini", "base_url": "%s"},
              "voicemail": {"detect": true},
              "structured_data": [{"name": "confirmed", "type": "boolean"},
                                  {"name": "visit_day", "type": "enum", "enum": ["Monday", "Tuesday"]},
                                  {"name": "party_size", "type": "number"},
                                  {"name": "note", "type": "string"}]}}""";
    static final String GREETING = "Hello, this is the front desk at Riverside Dental, calling about your visit on Tuesday."
            + " Press 1 to confirm it, or 2 to speak with us.";

    /** A flow that listens for machines and hangs up on one; a person is asked once and hears a goodbye. */
    static final String DETECTING = """
            {"name": "Reminder with detection", "config": {"max_duration_seconds": 30, "voicemail": {"detect": true},
              "flow": {"steps": [
              {"id": "ask", "say": "Hi, this is Riverside Dental about your visit on Tuesday. Can you make it?", "listen": {
                 "intents": [{"name": "yes", "phrases": ["yes", "yeah"], "goto": "bye"}],
                 "no_match": {"retries": 1, "goto": "bye"},
                 "no_input": {"retries": 0, "timeout_seconds": 1, "goto": "bye"}}},
              {"id": "bye", "end": {"say": "Goodbye."}}]}}}""";

    /**
     * The call page's rarer parts, from real calls placed at once: keys pressed over a greeting (SIPp
     * sends RFC 4733 digits, through a trunk) cut it, so its line is marked interrupted, and the model's
     * analysis gives a summary and structured data; who answered is a person or a mailbox (baresip
     * speaking espeak-ng), or unknown (SIPp sends no audio). Then the list, narrowed by assistant and
     * by day, the filters kept in the address.
     */
    @Test
    void keysAnInterruptedLineWhoAnsweredAndTheAnalysisAreShownAndTheListNarrowsByAssistantAndDay() throws Exception {
        Sipp.require();
        String keys;
        String person;
        String mailbox;
        String frontDesk;
        try (FakeChatCompletions llm = FakeChatCompletions.start();
             Baresip human = server.softphone("+14155550181", SIP, CalleeAudio.of("pause:0.4", "yes", "pause:10"));
             Baresip machine = server.softphone("+14155550182", SIP, CalleeAudio.of("pause:0.3",
                     "Hi, you have reached Sam. I cannot take your call right now. Please leave a message after the tone.",
                     "pause:5"))) {
            llm.script(new Script(200, Optional.empty(), List.of("Thank you, your visit is confirmed."),
                    List.of(Script.call("c1", "end_call", "{}")), 0, 0, -1, Optional.empty(), "fake-model"));
            llm.analysis("""
                    {"summary": "The patient pressed 1 to confirm the visit on Tuesday.",
                     "structured_data": {"confirmed": true, "visit_day": "Tuesday", "party_size": 2, "note": null}}""");
            frontDesk = assistant(FRONT_DESK.formatted(GREETING, llm.baseUrl()));
            String detecting = assistant(DETECTING);

            // The keys' call goes out through a trunk to SIPp: the workspace's only number (so its default)
            // while that call is placed; the softphones' calls, placed once it is gone, reach the sandbox.
            Http.Response number = send("POST", "/v1/admin/phone-number",
                    "{\"number\": \"+14155550100\", \"trunk\": {\"host\": \"127.0.0.1\", \"port\": " + TRUNK + "}}");
            try (Sipp callee = Sipp.uas("uas-answer-listen-dtmf.xml", TRUNK, 1)) {
                try {
                    keys = call(frontDesk, "+14155550183");
                    DialerTest.await(server, keys, c -> !c.get("answered_at").isNull(), "answered");
                } finally {
                    send("DELETE", "/v1/admin/phone-number/" + number.json().at("/data/phone_number_id").asText(), null);
                }
                person = call(detecting, "+14155550181");
                mailbox = call(detecting, "+14155550182");
                ended(keys);
                ended(person);
                ended(mailbox);
            }
        }
        JsonNode keysCall = ended(keys);
        assertThat(keysCall.get("dtmf").asText()).as(keysCall.toString()).isEqualTo("15");
        JsonNode greeting = keysCall.get("transcript").get(0);
        assertThat(greeting.get("interrupted").asBoolean()).as("the 1 cut the greeting: " + keysCall).isTrue();
        assertThat(GREETING).startsWith(greeting.get("text").asText()).isNotEqualTo(greeting.get("text").asText());
        Map<String, JsonNode> calls = Map.of(keys, keysCall, person, ended(person), mailbox, ended(mailbox));
        Map<String, String> answeredBy = Map.of(keys, "unknown", person, "human", mailbox, "machine");
        answeredBy.forEach((id, who) -> assertThat(calls.get(id).at("/answered_by/who").asText()).as(calls.get(id).toString())
                .isEqualTo(who));

        // The list: who answered, in each call's row.
        browser.open("/#/calls");
        browser.driver.navigate().refresh();
        answeredBy.forEach((id, who) -> browser.waitForText(By.cssSelector("tr[data-call-id='" + id + "'] td[data-label='Answered by']"),
                who));

        // Narrowed to one assistant, then to days: each filter goes into the address as it is chosen.
        new Select(browser.driver.findElement(By.id("filter-assistant"))).selectByVisibleText("Front desk");
        By rows = By.cssSelector(".calls-table tbody tr");
        browser.until(d -> d.findElements(rows).size() == 1 && keys.equals(d.findElement(rows).getAttribute("data-call-id")));
        assertThat(browser.driver.getCurrentUrl()).contains("assistant=" + frontDesk);
        @SuppressWarnings("unchecked")
        List<String> days = (List<String>) browser.script("""
                const iso = d => [d.getFullYear(), d.getMonth() + 1, d.getDate()].map((n, i) => String(n).padStart(i ? 2 : 4, '0')).join('-');
                const t = new Date(arguments[0]);
                return [-1, 0, 1].map(n => iso(new Date(t.getFullYear(), t.getMonth(), t.getDate() + n)));""",
                keysCall.get("created_at").asText()); // the call's day in the browser's time zone, and the days around it
        String dayBefore = days.get(0);
        String day = days.get(1);
        String dayAfter = days.get(2);
        // Typed and left alone: the day applies after a pause, once, not at every key (Chrome's date field
        // fires "change" at each, the year going 0002, 0020, 0202, ...).
        browser.script("performance.clearResourceTimings();");
        typeDate("filter-to", dayBefore);
        browser.waitForText(By.cssSelector("p.empty"), "No calls match these filters.");
        @SuppressWarnings("unchecked")
        List<String> asked = (List<String>) browser.script("return performance.getEntriesByType('resource').map(e => e.name)"
                + ".filter(n => n.includes('/v1/admin/assistant/calls?')).map(n => new URL(n).searchParams.get('created_before'))"
                + ".filter(v => v !== null);");
        Object midnight = browser.script("const [y, m, d] = arguments[0].split('-').map(Number); return new Date(y, m - 1, d).toISOString();", day);
        assertThat(asked).as("the list's loads with a day, while one was typed: up to the browser's midnight after it")
                .isNotEmpty().containsOnly((String) midnight);
        typeDate("filter-to", day, Keys.ENTER); // "to" a day takes in the whole of it
        browser.until(d -> d.findElements(rows).size() == 1);
        assertThat(browser.driver.getCurrentUrl()).contains("to=" + day);

        // A "from" after the "to": the API's refusal, shown at the field it names.
        typeDate("filter-from", dayAfter);
        browser.driver.findElement(By.id("filter-number")).click(); // leaving the field applies it at once
        browser.waitVisible(By.id("filter-to-error"));
        assertThat(browser.text(By.id("filter-to-error"))).isEqualTo("'created_before' must be later than 'created_after'");
        assertThat(browser.driver.findElement(By.id("filter-to")).getAttribute("aria-invalid")).isEqualTo("true");
        typeDate("filter-from", day, Keys.ENTER);
        browser.until(d -> d.findElements(By.id("filter-to-error")).isEmpty() && d.findElements(rows).size() == 1);
        assertThat(browser.driver.findElement(By.id("filter-to")).getAttribute("aria-describedby")).isNull();

        // A reload keeps all three.
        String address = browser.driver.getCurrentUrl();
        assertThat(address).contains("assistant=" + frontDesk, "from=" + day, "to=" + day);
        browser.driver.navigate().refresh();
        browser.waitForHeading("Calls");
        browser.until(d -> d.findElements(rows).size() == 1 && keys.equals(d.findElement(rows).getAttribute("data-call-id")));
        assertThat(browser.driver.getCurrentUrl()).isEqualTo(address);
        assertThat(browser.driver.findElement(By.id("filter-assistant")).getAttribute("value")).isEqualTo(frontDesk);
        assertThat(browser.driver.findElement(By.id("filter-from")).getAttribute("value")).isEqualTo(day);
        assertThat(browser.driver.findElement(By.id("filter-to")).getAttribute("value")).isEqualTo(day);

        // The keys' call: the digits, who answered, the cut greeting marked, what the analysis found.
        browser.driver.findElement(rows).findElement(By.cssSelector("a.call-link")).click();
        browser.waitForHeading("Call to +14155550183");
        assertThat(browser.text(fact("Keys pressed"))).isEqualTo("1 5");
        assertThat(browser.text(fact("Answered by"))).isEqualTo(answeredByText(keysCall.get("answered_by")));
        // The model's tokens are billed; the offline recognizer and voice count nothing and are not named.
        JsonNode usage = keysCall.get("usage");
        assertThat(usage.get("tts_characters").asLong()).isZero();
        assertThat(browser.text(fact("Billed usage"))).isEqualTo(usage.get("llm_prompt_tokens").asLong() + " prompt and "
                + usage.get("llm_completion_tokens").asLong() + " completion tokens");
        JsonNode transcript = keysCall.get("transcript");
        List<WebElement> lines = browser.driver.findElements(By.cssSelector(".transcript .turn"));
        assertThat(lines).hasSize(transcript.size());
        for (int i = 0; i < transcript.size(); i++) {
            JsonNode turn = transcript.get(i);
            assertThat(lines.get(i).findElements(By.cssSelector(".tag.interrupted"))).as("line %d: %s", i, turn)
                    .hasSize(turn.get("interrupted").asBoolean() ? 1 : 0);
        }
        // The greeting as far as it was heard, not the whole of it (on a machine too slow to play a word of
        // it before the key, the line says so).
        String heard = greeting.get("text").asText();
        assertThat(lines.getFirst().findElement(By.cssSelector(".said")).getText())
                .isEqualTo(heard.isEmpty() ? "(cut off before its first word)" : heard);
        assertThat(lines.getFirst().getText()).contains("Assistant", "interrupted");
        assertThat(browser.text(By.cssSelector("section[aria-labelledby='call-analysis'] .summary")))
                .isEqualTo("The patient pressed 1 to confirm the visit on Tuesday.");
        // In the order the assistant declares the fields (the API's object has the database's key order), a
        // null as a dash. Values are never nested: the analysis keeps only the declared scalar types.
        assertThat(definitions(By.cssSelector("dl.structured"))).containsExactly(
                Map.entry("confirmed", "yes"), Map.entry("visit_day", "Tuesday"), Map.entry("party_size", "2"), Map.entry("note", "—"));

        // The person's and the mailbox's calls say who answered, with how sure and when.
        for (String id : List.of(person, mailbox)) {
            browser.open("/#/calls/" + id);
            browser.waitForHeading("Call to " + calls.get(id).get("to_number").asText());
            assertThat(browser.text(fact("Answered by"))).isEqualTo(answeredByText(calls.get(id).get("answered_by")));
        }
        assertThat(browser.text(fact("Ended reason"))).isEqualTo("voicemail");
        browser.assertNoConsoleErrors();
    }

    /** What the call page says of {@code answered_by}, from the API's object. */
    private static String answeredByText(JsonNode by) {
        String who = by.get("who").asText();
        if (who.equals("unknown")) {
            return "unknown (could not tell, after " + by.get("decided_after_ms").asInt() + " ms)";
        }
        return who + (by.get("beep").asBoolean() ? ", beep heard" : "") + " (" + Math.round(by.get("confidence").asDouble() * 100)
                + "% sure, after " + by.get("decided_after_ms").asInt() + " ms)";
    }

    /**
     * Types a day into a date field as a person does: a click into it, to its first part, and the
     * digits in the browser's en-US order (month, day, year); then {@code after} (Enter, say).
     */
    private static void typeDate(String id, String isoDay, CharSequence... after) {
        String[] ymd = isoDay.split("-");
        WebElement field = browser.driver.findElement(By.id(id));
        field.click(); // lands on whichever part is under the pointer
        field.sendKeys(Keys.LEFT, Keys.LEFT, ymd[1] + ymd[2] + ymd[0]);
        if (after.length > 0) {
            field.sendKeys(after);
        }
    }

    /** The value next to a term of the call's details. */
    private static By fact(String term) {
        return By.xpath("//section[@aria-labelledby='call-facts']//dt[text()='" + term + "']/following-sibling::dd[1]");
    }

    /** A definition list's terms and values, in order. */
    private static Map<String, String> definitions(By list) {
        Map<String, String> out = new LinkedHashMap<>();
        WebElement dl = browser.driver.findElement(list);
        List<WebElement> terms = dl.findElements(By.tagName("dt"));
        List<WebElement> values = dl.findElements(By.tagName("dd"));
        for (int i = 0; i < terms.size(); i++) {
            out.put(terms.get(i).getText(), values.get(i).getText());
        }
        return out;
    }

    private static String assistant(String json) {
        Http.Response r = server.createAssistant(json);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().at("/data/assistant_id").asText();
    }

    private static String call(String assistantId, String number) {
        return send("POST", "/v1/admin/assistant/call", "{\"assistant_id\": \"" + assistantId + "\", \"to_number\": \"" + number + "\"}")
                .json().at("/data/call_id").asText();
    }

    private static Http.Response send(String method, String path, String json) {
        var request = server.http.request(method, path).headers(server.auth());
        Http.Response r = json == null ? request.send() : request.json(json).send();
        assertThat(r.status()).as(method + " " + path + ": " + r.body()).isEqualTo(200);
        return r;
    }

    /** The call once it ended, with everything its end writes (the final status waits for the analysis). */
    private static JsonNode ended(String id) {
        return DialerTest.await(server, id, c -> !c.get("ended_at").isNull(), "ended");
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
