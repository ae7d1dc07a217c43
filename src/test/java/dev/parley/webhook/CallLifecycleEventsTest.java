package dev.parley.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.amd.AnsweredBy;
import dev.parley.call.CallStatus;
import dev.parley.call.EndReason;
import dev.parley.support.TestServer;
import dev.parley.support.WebhookReceiver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Status changes, as the dialer drives them, reach the receiver as ordered, complete events. */
@Tag("db")
class CallLifecycleEventsTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass(WebhookDeliveryTest.FAST);

    private String call(WebhookReceiver receiver) {
        return server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"+14155550123\","
                        + "\"variables\":{\"name\":\"Ada\"},\"webhook_url\":\"" + receiver.url() + "\"}")
                .send().json().at("/data/call_id").asText();
    }

    @Test
    void anAnsweredCallReportsQueuedRingingAnsweredEndedAndReportInOrder() {
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            String id = call(receiver);
            var t = server.app.transitions();
            assertThat(t.move(id, CallStatus.RINGING, "180 Ringing")).isPresent();
            assertThat(t.move(id, CallStatus.IN_PROGRESS, "200 OK")).isPresent();
            assertThat(t.end(id, EndReason.CALLEE_ENDED, null, "callee hung up")).isPresent();

            List<JsonNode> events = receiver.awaitCount(5, Duration.ofSeconds(10)).stream().map(WebhookReceiver.Received::json).toList();
            assertThat(events).extracting(e -> e.get("type").asText())
                    .containsExactly("call.queued", "call.ringing", "call.answered", "call.ended", "call.report");
            JsonNode ended = events.get(3).get("data");
            assertThat(ended.get("status").asText()).isEqualTo("completed");
            assertThat(ended.get("ended_reason").asText()).isEqualTo("callee-ended");
            assertThat(ended.get("answered_at").asText()).isNotBlank();
            JsonNode report = events.get(4).get("data");
            assertThat(report.at("/variables/name").asText()).isEqualTo("Ada");
            assertThat(report.get("assistant_id").asText()).isEqualTo(server.tenancy.assistantId());
            assertThat(report.at("/durations/talk_seconds").isNumber()).isTrue();
            for (String key : List.of("transcript", "latency", "dtmf", "recording_url", "duration_seconds")) {
                assertThat(report.has(key)).as(key).isTrue();
            }

            JsonNode call = server.http.request("GET", "/v1/admin/assistant/call/" + id).headers(server.auth()).send().json().get("data");
            assertThat(call.get("status").asText()).isEqualTo("completed");
            assertThat(call.get("history")).extracting(h -> h.get("status").asText())
                    .containsExactly("queued", "ringing", "in-progress", "completed");
            assertThat(call.get("duration_seconds").isNumber()).isTrue();
        }
    }

    /** Issue 13: who answered is its own event when decided and when it changes, and the call and its report carry it. */
    @Test
    void whoAnsweredIsAnEventWhenDecidedAndWhenItChangesAndTheReportCarriesTheLast() {
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            String id = call(receiver);
            var t = server.app.transitions();
            t.move(id, CallStatus.RINGING, "180 Ringing");
            t.move(id, CallStatus.IN_PROGRESS, "200 OK");
            JsonNode before = server.http.request("GET", "/v1/admin/assistant/call/" + id).headers(server.auth()).send().json().get("data");
            assertThat(before.get("answered_by").isNull()).as("undecided").isTrue();
            t.answeredBy(id, new AnsweredBy(AnsweredBy.Who.human, false, 0.7, 1_200));
            t.answeredBy(id, new AnsweredBy(AnsweredBy.Who.machine, true, 0.95, 4_800));
            t.end(id, EndReason.VOICEMAIL, null, "left a message on an answering machine");
            t.answeredBy(id, new AnsweredBy(AnsweredBy.Who.human, false, 0.5, 9_000)); // after the end: changes nothing

            List<JsonNode> events = receiver.awaitCount(7, Duration.ofSeconds(10)).stream().map(WebhookReceiver.Received::json).toList();
            assertThat(events).extracting(e -> e.get("type").asText()).containsExactly("call.queued", "call.ringing",
                    "call.answered", "call.answered_by", "call.answered_by", "call.ended", "call.report");
            assertThat(events.get(3).at("/data/answered_by").toString())
                    .isEqualTo("{\"who\":\"human\",\"beep\":false,\"confidence\":0.7,\"decided_after_ms\":1200}");
            String machine = "{\"who\":\"machine\",\"beep\":true,\"confidence\":0.95,\"decided_after_ms\":4800}";
            assertThat(events.get(4).at("/data/answered_by").toString()).isEqualTo(machine);
            assertThat(events.get(6).at("/data/answered_by").toString()).isEqualTo(machine);
            assertThat(events.get(6).at("/data/ended_reason").asText()).isEqualTo("voicemail");
            JsonNode call = server.http.request("GET", "/v1/admin/assistant/call/" + id).headers(server.auth()).send().json().get("data");
            assertThat(call.get("answered_by").toString()).isEqualTo(machine);
        }
    }

    @Test
    void aBusyCallEndsWithItsSipCodeAndMovesNoFurther() {
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            String id = call(receiver);
            var t = server.app.transitions();
            t.move(id, CallStatus.RINGING, "180 Ringing");
            assertThat(t.end(id, EndReason.BUSY, 486, "486 Busy Here")).isPresent();
            assertThat(t.move(id, CallStatus.IN_PROGRESS, "late 200")).as("final is final").isEmpty();
            assertThat(t.end(id, EndReason.CARRIER_ERROR, 500, "late error")).isEmpty();
            List<JsonNode> events = receiver.awaitCount(4, Duration.ofSeconds(10)).stream().map(WebhookReceiver.Received::json).toList();
            assertThat(events.get(2).at("/data/sip_code").asInt()).isEqualTo(486);
            assertThat(events.get(2).at("/data/status").asText()).isEqualTo("busy");
            JsonNode call = server.http.request("GET", "/v1/admin/assistant/call/" + id).headers(server.auth()).send().json().get("data");
            assertThat(call.get("sip_code").asInt()).isEqualTo(486);
            assertThat(call.get("answered_at").isNull()).isTrue();
        }
    }

    @Test
    void racingEndingsProduceOneEnding() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            String id = call(receiver);
            server.app.transitions().move(id, CallStatus.IN_PROGRESS, "200 OK");
            List<Future<Boolean>> results = new ArrayList<>();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 8; i++) {
                    EndReason why = i % 2 == 0 ? EndReason.API_HANGUP : EndReason.CARRIER_ERROR;
                    results.add(pool.submit(() -> server.app.transitions().end(id, why, null, "race").isPresent()));
                }
            }
            long winners = 0;
            for (Future<Boolean> f : results) {
                winners += f.get() ? 1 : 0;
            }
            assertThat(winners).isEqualTo(1);
            receiver.awaitCount(4, Duration.ofSeconds(10));
            Thread.sleep(300);
            assertThat(receiver.received()).extracting(r -> r.json().get("type").asText())
                    .containsExactly("call.queued", "call.answered", "call.ended", "call.report");
        }
    }

    @Test
    void aCallWithNoWebhookUrlAnywhereWritesNoEvents() {
        String id = server.createCall("+14155550199").json().at("/data/call_id").asText();
        server.app.transitions().move(id, CallStatus.IN_PROGRESS, "200 OK");
        server.app.transitions().end(id, EndReason.CALLEE_ENDED, null, "callee hung up");
        assertThat(server.count("SELECT count(*) FROM webhook_events WHERE call_id = '" + id + "'")).isZero();
        assertThat(server.count("SELECT count(*) FROM call_events WHERE call_id = '" + id + "'")).isEqualTo(3);
    }
}
