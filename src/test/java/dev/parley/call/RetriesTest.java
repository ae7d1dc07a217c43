package dev.parley.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.amd.AnsweredBy;
import dev.parley.config.ConfigLoader;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import dev.parley.support.WebhookReceiver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Retries per outcome (issue 14, item 5) at the seam where they are made: a call's end, written
 * through {@link CallTransitions} as the dialer writes it, creates the next attempt in the same
 * transaction. The rules and checks are driven here without a phone; {@code dialer.RetryCallTest}
 * places the same series through the real dialer and SIP peers.
 */
@Tag("db")
class RetriesTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass(Map.of(ConfigLoader.WEBHOOK_ALLOWED_HOSTS, "127.0.0.1",
            ConfigLoader.WEBHOOK_RETRY_INITIAL_MS, "100"));

    static final AtomicInteger NUMBERS = new AtomicInteger(100);
    static final String BUSY_TWICE = "{\"on\": [\"busy\", \"no-answer\"], \"max_attempts\": 3,"
            + " \"backoff\": {\"initial_seconds\": 120, \"multiplier\": 3, \"max_seconds\": 300}}";

    static String number() {
        return "+1415556" + String.format("%04d", NUMBERS.incrementAndGet());
    }

    static String assistant(String retry) {
        Http.Response r = server.createAssistant("{\"name\": \"retrying\", \"config\": {\"retry\": " + retry + "}}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().at("/data/assistant_id").asText();
    }

    static String call(String assistantId, String number, String extra) {
        Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json("{\"assistant_id\": \"" + assistantId + "\", \"to_number\": \"" + number + "\"" + extra + "}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().at("/data/call_id").asText();
    }

    static JsonNode get(String id) {
        return server.http.request("GET", "/v1/admin/assistant/call/" + id).headers(server.auth()).send().json().get("data");
    }

    static JsonNode list(String query) {
        Http.Response r = server.http.request("GET", "/v1/admin/assistant/calls?" + query).headers(server.auth()).send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().at("/data/items");
    }

    /** What the dialer writes for a call the far end refused with 486. */
    static void busy(String id) {
        var t = server.app.transitions();
        assertThat(t.move(id, CallStatus.RINGING, "dialed")).isPresent();
        assertThat(t.end(id, EndReason.BUSY, 486, "486 Busy Here")).isPresent();
    }

    /** Seconds from one attempt's end to when the next is due (kept to the millisecond). */
    static double waited(JsonNode ended, JsonNode next) {
        return Duration.between(Instant.parse(ended.get("ended_at").asText()), Instant.parse(next.get("scheduled_at").asText()))
                .toNanos() / 1e9;
    }

    static List<String> retriesOf(String first) {
        List<String> ids = new ArrayList<>();
        list("parent_call_id=" + first).forEach(c -> ids.add(c.get("call_id").asText()));
        return ids;
    }

    @Test
    void busyIsRetriedAsLinkedAttemptsAfterTheBackoffAndStopsAtMaxAttempts() {
        String first = call(assistant(BUSY_TWICE), number(), "");
        JsonNode created = get(first);
        assertThat(created.get("attempt").asInt()).isEqualTo(1);
        assertThat(created.get("parent_call_id").isNull()).isTrue();

        busy(first);
        JsonNode ended = get(first);
        List<String> retries = retriesOf(first);
        assertThat(retries).hasSize(1);
        JsonNode second = get(retries.getFirst());
        assertThat(second.get("status").asText()).isEqualTo("queued");
        assertThat(second.get("attempt").asInt()).isEqualTo(2);
        assertThat(second.get("parent_call_id").asText()).isEqualTo(first);
        assertThat(second.get("to_number").asText()).isEqualTo(ended.get("to_number").asText());
        assertThat(waited(ended, second)).as("initial_seconds").isCloseTo(120, within(0.001));
        assertThat(server.count("SELECT count(*) FROM calls WHERE id = '" + second.get("call_id").asText()
                + "' AND scheduled_reason = 'retry'")).isOne();
        assertThat(server.count("SELECT count(*) FROM dial_jobs WHERE call_id = '" + second.get("call_id").asText()
                + "' AND run_at = (SELECT scheduled_at FROM calls WHERE id = '" + second.get("call_id").asText() + "')")).isOne();
        assertThat(ended.get("history").get(ended.get("history").size() - 1).get("reason").asText())
                .isEqualTo("486 Busy Here; retried as " + second.get("call_id").asText() + " (attempt 2 of 3), due "
                        + second.get("scheduled_at").asText());
        assertThat(second.get("history").get(0).get("reason").asText())
                .isEqualTo("retry (attempt 2 of 3) of " + first + " after attempt 1 (" + first + ") ended busy; due "
                        + second.get("scheduled_at").asText());

        busy(second.get("call_id").asText());
        retries = retriesOf(first);
        assertThat(retries).as("every later attempt names the first as its parent").hasSize(2);
        JsonNode third = get(retries.getFirst());
        assertThat(third.get("attempt").asInt()).isEqualTo(3);
        assertThat(waited(get(second.get("call_id").asText()), third)).as("120 s x 3, capped at 300 s").isCloseTo(300, within(0.001));
        assertThat(list("parent_call_id=" + first + "&attempt=3")).extracting(c -> c.get("call_id").asText())
                .containsExactly(third.get("call_id").asText());

        busy(third.get("call_id").asText());
        assertThat(retriesOf(first)).as("max_attempts 3 counts the first").hasSize(2);
        JsonNode last = get(third.get("call_id").asText());
        assertThat(last.get("history").get(last.get("history").size() - 1).get("reason").asText())
                .isEqualTo("486 Busy Here; not retried: attempt 3 of 3 was the last");
    }

    @Test
    void aRequestsRetryOverridesTheAssistantsAndNullTurnsItOff() {
        String assistant = assistant(BUSY_TWICE);
        String off = call(assistant, number(), ", \"retry\": null");
        busy(off);
        assertThat(retriesOf(off)).isEmpty();

        String own = call(assistant, number(), ", \"retry\": {\"on\": [\"no-answer\"], \"max_attempts\": 2}");
        busy(own);
        assertThat(retriesOf(own)).as("busy is not in the request's own rule").isEmpty();
        String noAnswer = call(assistant, number(), ", \"retry\": {\"on\": [\"no-answer\"], \"max_attempts\": 2, \"backoff\": [90]}");
        server.app.transitions().end(noAnswer, EndReason.NO_ANSWER, null, "rang out");
        List<String> retries = retriesOf(noAnswer);
        assertThat(retries).hasSize(1);
        server.app.transitions().end(retries.getFirst(), EndReason.NO_ANSWER, null, "rang out");
        assertThat(retriesOf(noAnswer)).as("max_attempts 2").hasSize(1);
    }

    @Test
    void aCallAPersonAnsweredOrSomeoneEndedIsNeverRetried() {
        String assistant = assistant("{\"on\": [\"no-answer\", \"busy\", \"failed\", \"voicemail\"], \"max_attempts\": 5}");
        var t = server.app.transitions();
        String human = call(assistant, number(), "");
        t.move(human, CallStatus.IN_PROGRESS, "200 OK");
        t.answeredBy(human, new AnsweredBy(AnsweredBy.Who.human, false, 0.9, 900));
        t.end(human, EndReason.VOICEMAIL, null, "a verdict that contradicts the person who answered");
        String answered = call(assistant, number(), "");
        t.move(answered, CallStatus.IN_PROGRESS, "200 OK");
        t.end(answered, EndReason.PROVIDER_ERROR, null, "the voice failed mid-call"); // failed, but after an answer
        String canceled = call(assistant, number(), "");
        t.end(canceled, EndReason.CANCELED, null, "canceled through the API before it was dialed");
        String declined = call(assistant, number(), "");
        t.end(declined, EndReason.DECLINED, 603, "603 Decline");
        String blocked = call(assistant, number(), "");
        t.end(blocked, EndReason.BLOCKED, null, "on the do-not-call list");
        for (String id : List.of(human, answered, canceled, declined, blocked)) {
            assertThat(retriesOf(id)).as(get(id).get("ended_reason").asText()).isEmpty();
            JsonNode h = get(id).get("history");
            assertThat(h.get(h.size() - 1).get("reason").asText()).doesNotContain("retried");
        }

        String failed = call(assistant, number(), "");
        t.end(failed, EndReason.UNREACHABLE, 404, "404 Not Found");
        assertThat(retriesOf(failed)).as("unreachable before an answer is failed").hasSize(1);
    }

    @Test
    void voicemailIsRetriedOnlyWhenListed() {
        var t = server.app.transitions();
        for (String on : List.of("[\"busy\"]", "[\"voicemail\"]")) {
            String id = call(assistant("{\"on\": " + on + "}"), number(), "");
            t.move(id, CallStatus.IN_PROGRESS, "200 OK");
            t.answeredBy(id, new AnsweredBy(AnsweredBy.Who.machine, true, 0.95, 3_000));
            t.end(id, EndReason.VOICEMAIL, null, "hung up on an answering machine");
            assertThat(retriesOf(id)).as(on).hasSize(on.contains("voicemail") ? 1 : 0);
        }
    }

    @Test
    void aNumberListedBeforeTheEndIsNotRetriedAndTheHistorySaysWhy() {
        String number = number();
        String id = call(assistant(BUSY_TWICE), number, "");
        Http.Response listed = server.http.request("POST", "/v1/admin/dnc").headers(server.auth())
                .json("{\"numbers\": [\"" + number + "\"]}").send();
        assertThat(listed.status()).as(listed.body()).isEqualTo(200);
        busy(id);
        assertThat(retriesOf(id)).isEmpty();
        JsonNode h = get(id).get("history");
        assertThat(h.get(h.size() - 1).get("reason").asText()).isEqualTo("486 Busy Here; not retried: the number is on the do-not-call list");
    }

    @Test
    void aRetryCountsToTheDayAndIsNotMadeOverADailyCap() {
        String assistant = assistant(BUSY_TWICE);
        String first = call(assistant, number(), "");
        long before = callsToday();
        busy(first);
        assertThat(retriesOf(first)).hasSize(1);
        assertThat(callsToday()).as("the retry is a call accepted today").isEqualTo(before + 1);

        String capped = call(assistant, number(), "");
        limits("{\"max_calls_per_day\": " + callsToday() + "}");
        try {
            busy(capped);
            assertThat(retriesOf(capped)).isEmpty();
            JsonNode h = get(capped).get("history");
            assertThat(h.get(h.size() - 1).get("reason").asText())
                    .endsWith("not retried: the workspace reached max_calls_per_day (" + callsToday() + ") today (UTC day)");
        } finally {
            limits("{\"max_calls_per_day\": null}");
        }
    }

    static long callsToday() {
        return server.http.request("GET", "/v1/admin/workspace").headers(server.auth()).send().json()
                .at("/data/capacity/calls_today/in_use").asLong();
    }

    static void limits(String limits) {
        Http.Response r = server.http.request("PATCH", "/v1/admin/workspace").headers(server.auth())
                .json("{\"limits\": " + limits + "}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @Test
    void aDisabledAssistantsCallIsNotRetried() {
        String assistant = assistant(BUSY_TWICE);
        String id = call(assistant, number(), "");
        assertThat(server.http.request("PATCH", "/v1/admin/assistant/" + assistant).headers(server.auth())
                .json("{\"enabled\": false}").send().status()).isEqualTo(200);
        busy(id);
        assertThat(retriesOf(id)).isEmpty();
        JsonNode h = get(id).get("history");
        assertThat(h.get(h.size() - 1).get("reason").asText()).endsWith("not retried: the assistant was deleted or disabled");
    }

    /** Eight nodes racing to record one end make one end and one retry; the index refuses a second attempt 2 outright. */
    @Test
    void anEndRecordedManyTimesMakesOneRetry() throws Exception {
        String id = call(assistant(BUSY_TWICE), number(), "");
        server.app.transitions().move(id, CallStatus.RINGING, "dialed");
        try (var pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> ends = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                ends.add(pool.submit(() -> server.app.transitions().end(id, EndReason.BUSY, 486, "486 Busy Here")));
            }
            for (Future<?> f : ends) {
                f.get();
            }
        }
        assertThat(retriesOf(id)).hasSize(1);
        assertThatThrownBy(() -> server.app.database().jdbi().useHandle(h -> h.execute("""
                INSERT INTO calls (id, workspace_id, assistant_id, to_number, status, attempt, parent_call_id)
                SELECT 'c_ffffffffffffffffffffffff', workspace_id, assistant_id, to_number, 'queued', 2, ? FROM calls WHERE id = ?""",
                id, id))).isInstanceOf(UnableToExecuteStatementException.class).hasMessageContaining("calls_series_attempt");
    }

    @Test
    void webhooksCarryTheAttemptAndItsParent() {
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            String id = call(assistant(BUSY_TWICE), number(), ", \"webhook_url\": \"" + receiver.url() + "\"");
            busy(id);
            List<JsonNode> events = receiver.awaitCount(5, Duration.ofSeconds(10)).stream().map(WebhookReceiver.Received::json).toList();
            assertThat(events).extracting(e -> e.get("type").asText() + " " + e.at("/data/attempt").asInt() + " "
                            + e.at("/data/parent_call_id").asText(null))
                    // in order per call; the two calls' deliveries run side by side
                    .containsExactlyInAnyOrder("call.queued 1 null", "call.ringing 1 null", "call.ended 1 null",
                            "call.report 1 null", "call.queued 2 " + id);
            JsonNode retryQueued = events.stream().filter(e -> e.at("/data/attempt").asInt() == 2).findFirst().orElseThrow()
                    .get("data");
            assertThat(retryQueued.get("call_id").asText()).isEqualTo(retriesOf(id).getFirst());
            assertThat(retryQueued.get("status").asText()).isEqualTo("queued");
        }
    }

    @Test
    void aRetryRuleIsCheckedWhenSavedWithMessagesThatSayWhatToFix() {
        Map<String, String> bad = Map.of(
                "{\"on\": [\"answered\"]}", "config.retry.on",
                "{\"on\": []}", "config.retry.on",
                "{\"max_attempts\": 11}", "config.retry.max_attempts",
                "{\"backoff\": {\"initial_seconds\": 5}}", "config.retry.backoff.initial_seconds",
                "{\"backoff\": {\"initial_seconds\": 600, \"max_seconds\": 300}}", "config.retry.backoff.max_seconds",
                "{\"backoff\": {\"multiplier\": 0.5}}", "config.retry.backoff.multiplier",
                "{\"backoff\": [30]}", "config.retry.backoff",
                "{\"backoff\": \"5m\"}", "config.retry.backoff",
                "{\"tries\": 3}", "config.retry");
        bad.forEach((retry, field) -> {
            Http.Response r = server.createAssistant("{\"name\": \"x\", \"config\": {\"retry\": " + retry + "}}");
            assertThat(r.status()).as(retry + ": " + r.body()).isEqualTo(400);
            assertThat(r.json().at("/error/field").asText()).as(retry + ": " + r.body()).startsWith(field);
        });
        Http.Response empty = server.createAssistant("{\"name\": \"x\", \"config\": {\"retry\": {\"on\": []}}}");
        assertThat(empty.message()).contains("no-answer, busy, failed, voicemail").contains("null for no retries");

        Http.Response request = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json("{\"assistant_id\": \"" + server.tenancy.assistantId() + "\", \"to_number\": \"+14155550123\","
                        + " \"retry\": {\"max_attempts\": 0}}").send();
        assertThat(request.status()).isEqualTo(400);
        assertThat(request.json().at("/error/field").asText()).isEqualTo("retry.max_attempts");
        assertThat(request.message()).contains("from 1 to 10");

        String defaults = assistant("{}");
        JsonNode saved = server.http.request("GET", "/v1/admin/assistant/" + defaults).headers(server.auth()).send().json();
        assertThat(saved.at("/data/config/retry")).hasToString(
                "{\"on\":[\"no-answer\",\"busy\"],\"max_attempts\":3,\"backoff\":{\"initial_seconds\":300,\"multiplier\":2,\"max_seconds\":3600}}");
        String none = server.createAssistant("{\"name\": \"x\"}").json().at("/data/assistant_id").asText();
        assertThat(server.http.request("GET", "/v1/admin/assistant/" + none).headers(server.auth()).send().json()
                .at("/data/config/retry").isNull()).isTrue();
    }
}
