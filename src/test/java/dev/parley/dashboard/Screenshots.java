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
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The README's screenshots of the dashboard, made on demand ({@code ./parley test -Dgroups=screenshots};
 * the tag is excluded from the suite). A fresh server gets a realistic workspace: three assistants, two
 * real spoken calls (a baresip softphone on the sandbox answers and says "yes" to a language-model
 * assistant, which detects machines and whose model is scripted, for the call page's summary,
 * structured data and "answered by"; another says "no" to a flow), a call
 * to nobody, one scheduled for tomorrow, webhooks to a local receiver (one retried), a do-not-call list
 * and a second API key; then Chromium saves
 * each page to {@code docs/screenshots/} at 1280 x 900 (a call's page whole), and the calls and a call
 * at 390 px (a phone). Last, a test call from the browser: Chromium's fake microphone says "yes" to
 * the reminder, and the page is saved once the call ended, with its live transcript.
 * Same data every run, so the pictures change only where the pages or the times do.
 */
@Tag("screenshots")
class Screenshots {
    static final int SIP = Sipp.freeUdpPort();
    static final Path OUT = Path.of("docs", "screenshots");

    @RegisterExtension
    static final TestServer server = TestServer.perClass(Map.of(
            ConfigLoader.SIP_LISTEN, "127.0.0.1:" + SIP,
            ConfigLoader.DIALER_ENABLED, "true",
            ConfigLoader.DIALER_RING_TIMEOUT_SECONDS, "10",
            ConfigLoader.SPEECH_RECOGNIZERS, "1",
            ConfigLoader.WEBHOOK_ALLOWED_HOSTS, "127.0.0.1",
            ConfigLoader.WEBHOOK_RETRY_INITIAL_MS, "500",
            ConfigLoader.PROVIDERS_ALLOWED_HOSTS, "127.0.0.1"));

    static final String REMINDER = """
            {"name": "Appointment reminder", "config": {"max_duration_seconds": 120, "flow": {"steps": [
              {"id": "ask", "say": "Hello, this is Riverside Dental. Can you make your appointment tomorrow at ten?",
               "listen": {
                 "intents": [{"name": "yes", "phrases": ["yes", "yeah"], "goto": "confirmed"},
                             {"name": "no", "phrases": ["no", "nope"], "goto": "declined"}],
                 "dtmf": {"1": "confirmed", "2": "declined"},
                 "no_match": {"say": "Sorry, please say yes or no.", "retries": 1},
                 "no_input": {"say": "Are you still there?", "retries": 1, "timeout_seconds": 3}}},
              {"id": "confirmed", "say": "Great, we will see you tomorrow at ten.", "goto": "bye"},
              {"id": "declined", "say": "Okay, our front desk will call you to find another time.", "goto": "bye"},
              {"id": "bye", "end": {"say": "Goodbye."}}]}}}""";

    /**
     * The call shown on its own page: a language model (a scripted chat-completions server on
     * loopback) with the offline recognizer and voice, so the page has a summary and structured data,
     * and machine detection, so it says who answered.
     */
    static final String CONFIRMATIONS = """
            {"name": "Appointment confirmations", "config": {"max_duration_seconds": 120,
              "system_prompt": "You call Riverside Dental's patients to confirm their appointment tomorrow at ten.",
              "first_message": "Hello, this is Riverside Dental. Can you make your appointment tomorrow at ten?",
              "end_message": "Goodbye.",
              "model": {"provider": "openai", "model": "llama3.1", "base_url": "%s"},
              "voicemail": {"detect": true},
              "structured_data": [
                {"name": "confirmed", "type": "boolean", "description": "Whether the patient will come"},
                {"name": "new_time", "type": "string", "description": "Another time the patient asked for"},
                {"name": "reminder", "type": "enum", "enum": ["sms", "email", "none"]}]}}""";

    static final String FEEDBACK = """
            {"name": "Delivery feedback", "config": {"max_duration_seconds": 120, "flow": {"steps": [
              {"id": "ask", "say": "Hi, this is Northwind Deliveries. Did your parcel arrive on time?",
               "listen": {
                 "intents": [{"name": "yes", "phrases": ["yes", "yeah"], "goto": "thanks"},
                             {"name": "no", "phrases": ["no", "nope"], "goto": "sorry"}],
                 "no_match": {"say": "Sorry, please say yes or no.", "retries": 1},
                 "no_input": {"say": "Are you still there?", "retries": 1, "timeout_seconds": 3}}},
              {"id": "thanks", "say": "Thank you, that is good to hear.", "goto": "bye"},
              {"id": "sorry", "say": "We are sorry about that. Someone from our team will follow up.", "goto": "bye"},
              {"id": "bye", "end": {"say": "Goodbye."}}]}}}""";

    @Test
    void dashboardPages() throws Exception {
        Baresip.require();
        Browser.require();
        server.callAtAnyHour();
        try (WebhookReceiver hooks = new WebhookReceiver(); FakeChatCompletions llm = FakeChatCompletions.start()) {
            // The receiver's first answer is a 503, so one delivery shows a retry.
            AtomicBoolean failedOnce = new AtomicBoolean();
            hooks.script((id, attempt) -> failedOnce.compareAndSet(false, true)
                    ? WebhookReceiver.Answer.status(503) : WebhookReceiver.Answer.ok());
            post("PATCH", "/v1/admin/workspace", "{\"webhook_url\": \"" + hooks.url() + "\"}");
            seedAndShoot(llm);
        }
    }

    private void seedAndShoot(FakeChatCompletions llm) throws Exception {
        post("PATCH", "/v1/admin/workspaces/" + server.tenancy.workspaceId(), "{\"name\": \"Riverside Dental\"}");
        llm.script(new Script(200, Optional.empty(), List.of("Great, we will see you tomorrow at ten."),
                List.of(Script.call("c1", "end_call", "{}")), 0, 0, -1, Optional.empty(), "llama3.1"));
        llm.analysis("""
                {"summary": "The patient confirmed the appointment tomorrow at ten.",
                 "structured_data": {"confirmed": true, "new_time": null, "reminder": "sms"}}""");
        String confirmations = post("POST", "/v1/admin/assistant", CONFIRMATIONS.formatted(llm.baseUrl())).at("/data/assistant_id").asText();
        String reminder = post("POST", "/v1/admin/assistant", REMINDER).at("/data/assistant_id").asText();
        String feedback = post("POST", "/v1/admin/assistant", FEEDBACK).at("/data/assistant_id").asText();
        post("POST", "/v1/admin/dnc", "{\"numbers\": [\"+14155550190\", \"+14155550191\"]}");
        post("POST", "/v1/admin/api-keys", "{\"name\": \"CRM integration\"}");

        // Two answered calls at once, each softphone answering once the greeting (about 5 s) is over.
        String answered;
        String declined;
        try (Baresip yes = server.softphone("+14155550101", SIP, CalleeAudio.of("pause:7", "yes", "pause:9"));
                Baresip no = server.softphone("+14155550102", SIP, CalleeAudio.of("pause:6", "no", "pause:9"))) {
            answered = call(confirmations, "+14155550101", null);
            declined = call(feedback, "+14155550102", null);
            JsonNode shown = ended(answered, yes);
            assertThat(shown.get("summary").isNull()).as("the page shows a summary: " + shown).isFalse();
            assertThat(shown.at("/answered_by/who").asText()).as("the page says who answered: " + shown).isEqualTo("human");
            ended(declined, no);
        }
        ended(call(reminder, "+14155550103", null), null); // nobody registered: failed, unreachable
        call(reminder, "+14155550104", Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS));
        delivered(answered);

        // The test call's caller: Chromium's fake microphone answers "yes" once the greeting (about 5 s) is over.
        Browser.Microphone microphone = Browser.Microphone.once(CalleeAudio.of("pause:7", "yes", "pause:6"));
        try (Browser browser = Browser.start(server, microphone)) {
            browser.open("/");
            browser.waitForText(By.id("sign-in-title"), "Sign in to Parley");
            browser.screenshot(OUT.resolve("sign-in.png"));

            browser.signIn(server.tenancy.apiKey().orElseThrow());
            page(browser, "#/calls", "calls.png");
            browser.screenshotAtPhoneWidth(OUT.resolve("calls-phone.png"), () -> browser.settle(Duration.ofMillis(500)));
            page(browser, "#/calls/" + answered, null);
            browser.screenshotFullPage(OUT.resolve("call.png"), 2400); // the latency chart is below the fold
            browser.screenshotAtPhoneWidth(OUT.resolve("call-phone.png"), () -> browser.settle(Duration.ofMillis(500)));
            page(browser, "#/assistants", "assistants.png");
            page(browser, "#/assistants/" + reminder, "assistant.png");
            page(browser, "#/workspace", "workspace.png");
            testCall(browser, reminder);
            browser.assertNoConsoleErrors();
        }
    }

    /** A test call from the browser, shown once it ended: its status, facts and the live transcript it kept. */
    private static void testCall(Browser browser, String assistant) {
        page(browser, "#/test-call/" + assistant, null);
        browser.driver.findElement(By.id("test-call-start")).click();
        WebElement status = browser.driver.findElement(By.id("test-call-status"));
        new WebDriverWait(browser.driver, Duration.ofSeconds(40)).until(d -> "ended".equals(status.getAttribute("data-state")));
        assertThat(status.getText()).isEqualTo("Call ended: completed, assistant-ended.");
        assertThat(browser.driver.findElements(By.cssSelector("#test-call-transcript li")).stream().map(WebElement::getText))
                .contains("You: yes");
        browser.script("document.activeElement && document.activeElement.blur && document.activeElement.blur();");
        browser.screenshot(OUT.resolve("test-call.png"));
    }

    private static void page(Browser browser, String hash, String file) {
        browser.open("/" + hash);
        browser.until(d -> !d.findElements(By.cssSelector("main h1")).isEmpty());
        browser.settle(Duration.ofMillis(700));
        browser.script("document.activeElement && document.activeElement.blur && document.activeElement.blur();");
        if (file != null) {
            browser.screenshot(OUT.resolve(file));
        }
    }

    /** Waits until every webhook of the call is delivered, its report included (the retry takes half a second). */
    private static void delivered(String callId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            JsonNode items = server.http.request("GET", "/v1/admin/webhook-deliveries?call_id=" + callId)
                    .headers(server.auth()).send().json().at("/data/items");
            boolean reported = false;
            boolean pending = false;
            for (JsonNode d : items) {
                reported |= d.get("event_type").asText().equals("call.report");
                pending |= !d.get("state").asText().equals("delivered");
            }
            if (reported && !pending) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the call's webhooks were not all delivered within 30 s: " + items);
            }
            Thread.sleep(200); // deliveries over real HTTP: nothing to advance but the clock
        }
    }

    private static JsonNode post(String method, String path, String json) {
        Http.Response r = server.http.request(method, path).headers(server.auth()).json(json).send();
        assertThat(r.status()).as(method + " " + path + ": " + r.body()).isEqualTo(200);
        return r.json();
    }

    private static String call(String assistant, String number, Instant scheduledAt) {
        String json = "{\"assistant_id\":\"" + assistant + "\",\"to_number\":\"" + number + "\""
                + (scheduledAt == null ? "" : ",\"scheduled_at\":\"" + scheduledAt + "\"") + "}";
        return post("POST", "/v1/admin/assistant/call", json).at("/data/call_id").asText();
    }

    private static JsonNode ended(String id, Baresip phone) {
        JsonNode done = DialerTest.await(server, id, c -> !c.get("ended_at").isNull(), "ended");
        if (phone != null) {
            assertThat(done.get("status").asText()).as(phone.log()).isEqualTo("completed");
            assertThat(done.get("transcript").size()).as("a spoken conversation").isGreaterThanOrEqualTo(3);
        }
        return done;
    }
}
