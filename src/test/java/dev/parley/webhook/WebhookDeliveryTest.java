package dev.parley.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.config.ConfigLoader;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import dev.parley.support.WebhookReceiver;
import dev.parley.support.WebhookReceiver.Answer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Events reach a real local receiver: once, signed, retried, in order per call. */
@Tag("db")
class WebhookDeliveryTest {
    static final Map<String, String> FAST = Map.of(
            ConfigLoader.WEBHOOK_ALLOWED_HOSTS, "127.0.0.1",
            ConfigLoader.WEBHOOK_TIMEOUT_MS, "500",
            ConfigLoader.WEBHOOK_RETRY_INITIAL_MS, "100",
            ConfigLoader.WEBHOOK_LEASE_MS, "2000");

    @RegisterExtension
    static final TestServer server = TestServer.perClass(FAST);

    WebhookReceiver receiver;

    @BeforeEach
    void receiver() {
        receiver = new WebhookReceiver();
        // A thousand calls in one test, all left queued: more than a new workspace's daily caps allow.
        server.http.request("PATCH", "/v1/admin/workspace").headers(server.auth())
                .json("{\"limits\": {\"max_calls_per_day\": null, \"max_call_minutes_per_day\": null}}").send();
    }

    @AfterEach
    void closeReceiver() {
        receiver.close();
    }

    private String call(String webhookUrl) {
        Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"+14155550123\","
                        + "\"metadata\":{\"order\":7},\"webhook_url\":\"" + webhookUrl + "\"}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().at("/data/call_id").asText();
    }

    /** The workspace's signing secret as its owner holds it: learned from a rotation, the only answer showing it. */
    static String secret;

    @BeforeAll
    static void learnTheSigningSecret() {
        secret = server.rotateSigningSecret();
    }

    private String secret() {
        return secret;
    }

    private List<JsonNode> deliveries(String callId) {
        JsonNode items = server.http.request("GET", "/v1/admin/webhook-deliveries?call_id=" + callId).headers(server.auth())
                .send().json().at("/data/items");
        List<JsonNode> out = new java.util.ArrayList<>();
        items.forEach(out::add);
        return out;
    }

    private JsonNode awaitState(String callId, String state) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            List<JsonNode> d = deliveries(callId);
            if (!d.isEmpty() && d.get(0).get("state").asText().equals(state)) {
                return d.get(0);
            }
            sleep(50);
        }
        throw new AssertionError("delivery of " + callId + " never reached " + state + ": " + deliveries(callId));
    }

    @Test
    void everyEventArrivesOnceSignedWithTheDocumentedShape() {
        Set<String> calls = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            calls.add(call(receiver.url()));
        }
        List<WebhookReceiver.Received> got = receiver.awaitCount(20, Duration.ofSeconds(10));
        sleep(300); // nothing more should come
        assertThat(receiver.received()).hasSize(20);
        assertThat(got.stream().map(WebhookReceiver.Received::eventId).distinct()).hasSize(20);

        String secret = secret();
        for (WebhookReceiver.Received r : got) {
            JsonNode event = r.json();
            assertThat(event.get("id").asText()).isEqualTo(r.eventId()).startsWith("evt_");
            assertThat(event.get("type").asText()).isEqualTo("call.queued");
            assertThat(Instant.parse(event.get("created_at").asText())).isBefore(Instant.now());
            assertThat(event.get("workspace_id").asText()).isEqualTo(server.tenancy.workspaceId());
            assertThat(calls).contains(event.at("/data/call_id").asText());
            assertThat(event.at("/data/status").asText()).isEqualTo("queued");
            assertThat(event.at("/data/metadata/order").asInt()).isEqualTo(7);
            long now = Instant.now().getEpochSecond();
            assertThat(WebhookSignature.verify(r.signature(), r.body(), secret, now, 300)).isTrue();
            byte[] tampered = new String(r.body(), StandardCharsets.UTF_8).replace("queued", "complete").getBytes(StandardCharsets.UTF_8);
            assertThat(WebhookSignature.verify(r.signature(), tampered, secret, now, 300)).isFalse();
            assertThat(WebhookSignature.verify(r.signature(), r.body(), "whsec_wrong", now, 300)).isFalse();
            assertThat(WebhookSignature.verify(r.signature(), r.body(), secret, now + 3600, 300)).as("too old").isFalse();
        }
        String one = calls.iterator().next();
        JsonNode d = awaitState(one, "delivered");
        assertThat(d.get("attempts").asInt()).isEqualTo(1);
        assertThat(d.at("/attempt_log/0/status_code").asInt()).isEqualTo(200);
        assertThat(d.get("next_attempt_at").isNull()).isTrue();
    }

    @Test
    void aFailingReceiverGetsTheEventAgainAfter500sAndATimeout() {
        receiver.script((id, before) -> switch (before) {
            case 0 -> Answer.status(500);
            case 1 -> Answer.slow(Duration.ofMillis(1500)); // longer than the 500 ms timeout
            default -> Answer.ok();
        });
        String callId = call(receiver.url());
        JsonNode d = awaitState(callId, "delivered");
        assertThat(d.get("attempts").asInt()).isEqualTo(3);
        JsonNode log = d.get("attempt_log");
        assertThat(log.get(0).get("status_code").asInt()).isEqualTo(500);
        assertThat(log.get(1).get("status_code").isNull()).isTrue();
        assertThat(log.get(1).get("error").asText()).contains("no answer within 500 ms");
        assertThat(log.get(2).get("status_code").asInt()).isEqualTo(200);
        assertThat(receiver.received()).extracting(WebhookReceiver.Received::eventId).containsOnly(d.get("event_id").asText());
    }

    @Test
    void otherClientErrorsAreNotRetriedButTheApiCanResend() {
        receiver.script((id, before) -> before == 0 ? Answer.status(410) : Answer.ok());
        String callId = call(receiver.url());
        JsonNode failed = awaitState(callId, "failed");
        assertThat(failed.get("attempts").asInt()).isEqualTo(1);
        assertThat(failed.get("last_status_code").asInt()).isEqualTo(410);
        sleep(400);
        assertThat(receiver.received()).hasSize(1);

        Http.Response retry = server.http.request("POST", "/v1/admin/webhook-deliveries/" + failed.get("delivery_id").asText() + "/retry")
                .headers(server.auth()).send();
        assertThat(retry.status()).isEqualTo(200);
        assertThat(awaitState(callId, "delivered").get("attempts").asInt()).isEqualTo(2);
        assertThat(server.http.request("POST", "/v1/admin/webhook-deliveries/whd_000000000000000000000000/retry")
                .headers(server.auth()).send().status()).isEqualTo(404);
    }

    @Test
    void retryAfterOn429IsHonoured() {
        receiver.script((id, before) -> before == 0 ? new Answer(429, Duration.ZERO, Map.of("Retry-After", "1")) : Answer.ok());
        String callId = call(receiver.url());
        JsonNode d = awaitState(callId, "delivered");
        List<WebhookReceiver.Received> got = receiver.received();
        assertThat(got).hasSize(2);
        assertThat(Duration.between(got.get(0).at(), got.get(1).at())).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(d.at("/attempt_log/0/status_code").asInt()).isEqualTo(429);
    }

    @Test
    void eventsOfOneCallArriveInOrderEvenWhenTheFirstNeedsRetries() {
        receiver.script((id, before) -> before < 2 && receiver.received().size() <= 2 ? Answer.status(503) : Answer.ok());
        String callId = call(receiver.url());
        // A later event of the same call, as the dialer writes them (call.ringing), queued right behind.
        server.app.database().jdbi().useHandle(h -> {
            h.execute("""
                    INSERT INTO webhook_events (id, workspace_id, call_id, type, payload)
                    VALUES ('evt_second', ?, ?, 'call.ringing', jsonb_build_object('id', 'evt_second', 'type', 'call.ringing'))""",
                    server.tenancy.workspaceId(), callId);
            h.execute("""
                    INSERT INTO webhook_deliveries (id, event_id, event_seq, workspace_id, call_id, url)
                    SELECT 'whd_second', id, seq, workspace_id, call_id, ? FROM webhook_events WHERE id = 'evt_second'""",
                    receiver.url());
        });
        receiver.awaitCount(4, Duration.ofSeconds(10));
        sleep(300);
        List<String> order = receiver.received().stream().map(r -> r.json().get("type").asText()).toList();
        assertThat(order).containsExactly("call.queued", "call.queued", "call.queued", "call.ringing");
    }

    @Test
    void theRequestsUrlWinsThenTheAssistantsThenTheWorkspaces() {
        WebhookReceiver assistantHook = new WebhookReceiver();
        WebhookReceiver workspaceHook = new WebhookReceiver();
        try {
            String assistant = server.createAssistant("{\"name\":\"hooked\",\"config\":{\"webhook_url\":\"" + assistantHook.url() + "\"}}")
                    .json().at("/data/assistant_id").asText();
            String plain = server.createAssistant("{\"name\":\"plain\",\"config\":{}}").json().at("/data/assistant_id").asText();
            assertThat(server.http.request("PATCH", "/v1/admin/workspace").headers(server.auth())
                    .json("{\"webhook_url\":\"" + workspaceHook.url() + "\"}").send().status()).isEqualTo(200);
            String base = "\"to_number\":\"+14155550123\"";
            server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                    .json("{\"assistant_id\":\"" + assistant + "\"," + base + ",\"webhook_url\":\"" + receiver.url() + "\"}").send();
            server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                    .json("{\"assistant_id\":\"" + assistant + "\"," + base + "}").send();
            server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                    .json("{\"assistant_id\":\"" + plain + "\"," + base + "}").send();
            receiver.awaitCount(1, Duration.ofSeconds(10));
            assistantHook.awaitCount(1, Duration.ofSeconds(10));
            workspaceHook.awaitCount(1, Duration.ofSeconds(10));
            sleep(300);
            assertThat(receiver.received()).hasSize(1);
            assertThat(assistantHook.received()).hasSize(1);
            assertThat(workspaceHook.received()).hasSize(1);
        } finally {
            server.http.request("PATCH", "/v1/admin/workspace").headers(server.auth()).json("{\"webhook_url\":null}").send();
            assistantHook.close();
            workspaceHook.close();
        }
    }

    @Test
    void duringARotationBothSecretsVerify() {
        String before = secret();
        JsonNode rotated = server.http.request("POST", "/v1/admin/workspace/webhook-secret/rotate").headers(server.auth()).send().json();
        String after = rotated.at("/data/webhook_signing_secret").asText();
        secret = after;
        assertThat(after).isNotEqualTo(before).startsWith("whsec_");
        assertThat(rotated.at("/data/previous_signing_secret_valid_until").asText()).isNotBlank();
        // Shown once: reading the workspace later tells which secret is current, never the secret.
        JsonNode read = server.http.request("GET", "/v1/admin/workspace").headers(server.auth()).send().json().at("/data");
        assertThat(read.has("webhook_signing_secret")).isFalse();
        assertThat(read.toString()).doesNotContain(after).doesNotContain(before);
        assertThat(read.at("/webhook_signing_secret_hint").asText()).isEqualTo("whsec_…" + after.substring(after.length() - 4));
        call(receiver.url());
        WebhookReceiver.Received r = receiver.awaitCount(1, Duration.ofSeconds(10)).get(0);
        long now = Instant.now().getEpochSecond();
        assertThat(r.signature().split(",v1=")).hasSize(3);
        assertThat(WebhookSignature.verify(r.signature(), r.body(), after, now, 300)).isTrue();
        assertThat(WebhookSignature.verify(r.signature(), r.body(), before, now, 300)).isTrue();
    }

    @Test
    void aThousandCallsGiveAThousandQueuedEvents() throws Exception {
        int n = 1000;
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(16)) {
            List<java.util.concurrent.Future<String>> ids = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                ids.add(pool.submit(() -> call(receiver.url())));
            }
            for (var f : ids) {
                f.get();
            }
        }
        List<WebhookReceiver.Received> got = receiver.awaitCount(n, Duration.ofSeconds(60));
        sleep(300);
        Set<String> events = receiver.received().stream().map(WebhookReceiver.Received::eventId).collect(Collectors.toSet());
        assertThat(events).hasSize(n);
        assertThat(got).allMatch(r -> r.json().get("type").asText().equals("call.queued"));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
