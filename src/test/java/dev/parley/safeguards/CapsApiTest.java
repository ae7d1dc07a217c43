package dev.parley.safeguards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Daily caps, on_capacity and the queue view as an API user meets them (issue 14, items 2 and 6).
 * The dialer is off, so accepted calls stay queued where the tests put them.
 */
@Tag("db")
class CapsApiTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass();

    @AfterEach
    void reset() {
        patch("{\"limits\": {\"max_concurrent_calls\": 10, \"calls_per_second\": 5, \"max_calls_per_day\": 1000,"
                + " \"max_call_minutes_per_day\": 12000}}");
        server.app.database().jdbi().useHandle(h -> {
            h.execute("DELETE FROM dial_jobs");
            h.execute("UPDATE calls SET status = 'canceled', ended_at = now() WHERE status = 'queued'");
            h.execute("DELETE FROM workspace_days");
        });
    }

    static Http.Response patch(String json) {
        return server.http.request("PATCH", "/v1/admin/workspace").headers(server.auth()).json(json).send();
    }

    static JsonNode workspace() {
        return server.http.request("GET", "/v1/admin/workspace").headers(server.auth()).send().json().get("data");
    }

    static Http.Response call(String number, String extra) {
        return server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"" + number + "\"" + extra + "}")
                .send();
    }

    static JsonNode get(Http.Response created) {
        String id = created.json().at("/data/call_id").asText();
        return server.http.request("GET", "/v1/admin/assistant/call/" + id).headers(server.auth()).send().json().get("data");
    }

    static long secondsToUtcMidnight() {
        Instant midnight = LocalDate.now(ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        return Duration.between(Instant.now(), midnight).toSeconds();
    }

    @Test
    void theWorkspaceShowsItsCapsWithDefaultsAndWhatUsesThem() {
        JsonNode ws = workspace();
        assertThat(ws.at("/limits/max_calls_per_day").asInt()).isEqualTo(1000);
        assertThat(ws.at("/limits/max_call_minutes_per_day").asInt()).isEqualTo(12000);
        assertThat(ws.at("/capacity/calls_today/in_use").asInt()).isZero();

        assertThat(call("+14155550100", "").status()).isEqualTo(200);
        assertThat(call("+14155550101", ",\"scheduled_at\":\"" + Instant.now().plus(1, ChronoUnit.HOURS) + "\"").status())
                .isEqualTo(200);
        ws = workspace();
        JsonNode capacity = ws.get("capacity");
        assertThat(capacity.at("/calls_today/in_use").asInt()).isEqualTo(2);
        assertThat(capacity.at("/calls_today/limit").asInt()).isEqualTo(1000);
        assertThat(capacity.at("/call_minutes_today/used").asDouble()).isZero();
        assertThat(capacity.at("/call_minutes_today/reserved").asDouble()).as("two calls of 600 s plus 60 s each").isEqualTo(22.0);
        assertThat(capacity.at("/concurrent_calls/in_use").asInt()).isZero();
        assertThat(capacity.at("/concurrent_calls/limit").asInt()).isEqualTo(10);
        assertThat(capacity.at("/calls_last_second/limit").asInt()).isEqualTo(5);
        assertThat(capacity.get("queued_calls").asInt()).isEqualTo(2);
        assertThat(Instant.parse(capacity.get("day_resets_at").asText()))
                .isEqualTo(LocalDate.now(ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant());

        Http.Response none = patch("{\"limits\": {\"max_calls_per_day\": null, \"max_call_minutes_per_day\": 50}}");
        assertThat(none.status()).as(none.body()).isEqualTo(200);
        assertThat(none.json().at("/data/limits/max_calls_per_day").isNull()).isTrue();
        assertThat(none.json().at("/data/limits/max_call_minutes_per_day").asInt()).isEqualTo(50);
        Http.Response bad = patch("{\"limits\": {\"max_calls_per_day\": 0}}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.message()).contains("limits.max_calls_per_day").contains("whole number");
    }

    @Test
    void overMaxCallsPerDayACreateIsRefusedWith429UntilTheUtcDayEnds() {
        assertThat(patch("{\"limits\": {\"max_calls_per_day\": 3}}").status()).isEqualTo(200);
        for (int i = 0; i < 3; i++) {
            assertThat(call("+1415555011" + i, "").status()).isEqualTo(200);
        }
        Http.Response over = call("+14155550119", "");
        assertThat(over.status()).as(over.body()).isEqualTo(429);
        assertThat(over.errorCode()).isEqualTo("daily_cap_reached");
        assertThat(over.message()).startsWith("The workspace reached max_calls_per_day (3)").contains("00:00 UTC");
        assertThat(over.json().at("/error/limit").asText()).isEqualTo("max_calls_per_day");
        assertThat(Long.parseLong(over.header("Retry-After"))).isCloseTo(secondsToUtcMidnight(), within(5L));
        Http.Response keyed = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .header("Idempotency-Key", "over-the-cap")
                .json("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"+14155550118\"}").send();
        assertThat(keyed.status()).as("the Idempotency-Key path counts the same").isEqualTo(429);
        assertThat(server.count("SELECT count(*) FROM calls WHERE status = 'queued'")).isEqualTo(3);

        assertThat(patch("{\"limits\": {\"max_calls_per_day\": 4}}").status()).isEqualTo(200);
        assertThat(call("+14155550119", "").status()).as("raising the cap makes room at once").isEqualTo(200);
    }

    @Test
    void minutesAreReservedAtAcceptanceAndGivenBackWhenTheCallEnds() {
        // The default assistant may talk 600 s: a call reserves 11 minutes (600 s plus 60 s for its end).
        assertThat(patch("{\"limits\": {\"max_call_minutes_per_day\": 12}}").status()).isEqualTo(200);
        Http.Response first = call("+14155550120", "");
        assertThat(first.status()).isEqualTo(200);
        Http.Response second = call("+14155550121", "");
        assertThat(second.status()).as(second.body()).isEqualTo(429);
        assertThat(second.message()).startsWith("The workspace reached max_call_minutes_per_day (12)")
                .contains("calls not ended yet hold 11").contains("this call needs 11").contains("max_duration_seconds");
        assertThat(second.header("Retry-After")).as("the held minutes come back as calls end").isEqualTo("60");

        // The first call was answered 90 s ago and is hung up now: it used 90 s of its 660.
        String id = first.json().at("/data/call_id").asText();
        server.app.database().jdbi().useHandle(h -> h.execute("UPDATE calls SET answered_at = now() - interval '90 seconds'"
                + " WHERE id = ?", id));
        assertThat(server.http.request("POST", "/v1/admin/assistant/call/" + id + "/hangup").headers(server.auth()).send().status())
                .isEqualTo(200);
        JsonNode minutes = workspace().at("/capacity/call_minutes_today");
        assertThat(minutes.get("used").asDouble()).isEqualTo(1.5);
        assertThat(minutes.get("reserved").asDouble()).isZero();
        assertThat(call("+14155550121", "").status()).as("10.5 minutes left, 11 needed").isEqualTo(429);
        String shortAssistant = server.createAssistant("{\"name\": \"short\", \"config\": {\"max_duration_seconds\": 300}}")
                .json().at("/data/assistant_id").asText();
        Http.Response fits = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json("{\"assistant_id\":\"" + shortAssistant + "\",\"to_number\":\"+14155550122\"}").send();
        assertThat(fits.status()).as("a 300 s assistant needs 6 minutes: " + fits.body()).isEqualTo(200);
    }

    @Test
    void onCapacityRejectRefusesACallThatWouldWaitForConcurrencyOrRate() {
        assertThat(patch("{\"limits\": {\"max_concurrent_calls\": 2, \"calls_per_second\": 1000}}").status()).isEqualTo(200);
        String reject = ",\"on_capacity\":\"reject\"";
        Http.Response a = call("+14155550130", reject);
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.body()).as("the seed's success body, field for field")
                .isEqualTo("{\"success\":true,\"message\":\"Call initiated successfully\",\"data\":{\"call_id\":\""
                        + a.json().at("/data/call_id").asText() + "\",\"status\":\"queued\",\"assistant_id\":\""
                        + server.tenancy.assistantId() + "\",\"to_number\":\"+14155550130\"}}");
        assertThat(call("+14155550131", reject).status()).isEqualTo(200);
        Http.Response full = call("+14155550132", reject);
        assertThat(full.status()).as(full.body()).isEqualTo(429);
        assertThat(full.errorCode()).isEqualTo("at_capacity");
        assertThat(full.message()).contains("max_concurrent_calls (2)").contains("on_capacity");
        assertThat(full.header("Retry-After")).isEqualTo("5");
        assertThat(call("+14155550133", ",\"on_capacity\":\"queue\"").status()).as("queue waits its turn, as before").isEqualTo(200);
        assertThat(call("+14155550134", ",\"on_capacity\":\"reject\",\"scheduled_at\":\""
                + Instant.now().plus(2, ChronoUnit.HOURS) + "\"").status()).as("a scheduled call does not wait for capacity now")
                .isEqualTo(200);

        assertThat(patch("{\"limits\": {\"max_concurrent_calls\": 100, \"calls_per_second\": 4}}").status()).isEqualTo(200);
        Http.Response rate = call("+14155550135", reject);
        assertThat(rate.status()).as("three due calls wait, the fourth slot of the second is free").isEqualTo(200);
        Http.Response overRate = call("+14155550136", reject);
        assertThat(overRate.status()).isEqualTo(429);
        assertThat(overRate.message()).contains("calls_per_second (4)");
        assertThat(overRate.header("Retry-After")).isEqualTo("1");

        Http.Response bad = call("+14155550137", ",\"on_capacity\":\"drop\"");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.message()).contains("on_capacity").contains("\"queue\"").contains("\"reject\"");
    }

    @Test
    void aQueuedCallShowsWhyItWaitsItsPositionAndWhenItShouldStart() {
        assertThat(patch("{\"limits\": {\"max_concurrent_calls\": 2, \"calls_per_second\": 1000}}").status()).isEqualTo(200);
        JsonNode first = get(call("+14155550140", ""));
        assertThat(first.at("/queue/reason").asText()).as(first.toString()).isEqualTo("dialer");
        assertThat(first.at("/queue/position").asInt()).isEqualTo(1);
        call("+14155550141", "");
        JsonNode third = get(call("+14155550142", ""));
        assertThat(third.at("/queue/reason").asText()).isEqualTo("concurrency");
        assertThat(third.at("/queue/position").asInt()).isEqualTo(3);
        assertThat(third.at("/queue/estimated_start_at").isNull()).as("depends on how long live calls last").isTrue();

        Instant at = Instant.now().plus(3, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
        Http.Response scheduled = call("+14155550143", ",\"scheduled_at\":\"" + at + "\"");
        JsonNode later = get(scheduled);
        assertThat(later.at("/queue/reason").asText()).isEqualTo("scheduled");
        assertThat(later.at("/queue/position").isNull()).isTrue();
        assertThat(Instant.parse(later.at("/queue/estimated_start_at").asText())).isEqualTo(at);
        String id = scheduled.json().at("/data/call_id").asText();
        server.app.database().jdbi().useHandle(h -> h.execute("UPDATE calls SET scheduled_reason = 'calling_window' WHERE id = ?", id));
        assertThat(get(scheduled).at("/queue/reason").asText()).isEqualTo("calling_hours");
        server.app.database().jdbi().useHandle(h -> h.execute("UPDATE calls SET scheduled_reason = 'retry' WHERE id = ?", id));
        assertThat(get(scheduled).at("/queue/reason").asText()).isEqualTo("retry");

        assertThat(patch("{\"limits\": {\"max_concurrent_calls\": 100, \"calls_per_second\": 1}}").status()).isEqualTo(200);
        JsonNode rate = get(call("+14155550144", ""));
        assertThat(rate.at("/queue/reason").asText()).isEqualTo("rate");
        assertThat(rate.at("/queue/position").asInt()).isEqualTo(4);
        Instant estimate = Instant.parse(rate.at("/queue/estimated_start_at").asText());
        assertThat(Duration.between(Instant.now(), estimate).toSeconds()).as("one call a second, three ahead").isBetween(2L, 4L);

        JsonNode list = server.http.request("GET", "/v1/admin/assistant/calls?status=queued").headers(server.auth()).send().json();
        assertThat(list.at("/data/items")).allSatisfy(c -> assertThat(c.at("/queue/reason").asText()).isNotEmpty());
        String canceled = call("+14155550145", "").json().at("/data/call_id").asText();
        JsonNode after = server.http.request("POST", "/v1/admin/assistant/call/" + canceled + "/hangup").headers(server.auth())
                .send().json().get("data");
        assertThat(after.get("queue").isNull()).as("only a queued call has a place").isTrue();
    }
}
