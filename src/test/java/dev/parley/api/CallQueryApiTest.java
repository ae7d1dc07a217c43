package dev.parley.api;

import static dev.parley.api.MakeACallApiTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

/** Reading calls back: one with its history, and the workspace's list, newest first, with its filters. */
@Tag("db")
class CallQueryApiTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass();
    static List<String> created = new ArrayList<>();

    @BeforeAll
    static void setUp() {
        for (int i = 0; i < 5; i++) {
            created.add(server.createCall("+1415555020" + i).json().at("/data/call_id").asText());
        }
        // A call further along, as the dialer will leave it, to exercise the status filter.
        server.app.database().jdbi().useHandle(h -> h.execute("UPDATE calls SET status = 'failed' WHERE id = ?", created.get(1)));
        // An older call, for the date range.
        server.app.database().jdbi().useHandle(h -> h.execute(
                "UPDATE calls SET created_at = '2026-01-15T12:00:00Z' WHERE id = ?", created.get(0)));
        other = server.createAssistant("{\"name\": \"other\", \"config\": {}}").json().at("/data/assistant_id").asText();
        created.add(server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json("{\"assistant_id\":\"" + other + "\",\"to_number\":\"+14155550202\"}").send().json().at("/data/call_id").asText());
    }

    static String other;

    private static List<String> ids(String query) {
        Http.Response r = server.http.request("GET", "/v1/admin/assistant/calls?" + query).headers(server.auth()).send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        r.json().at("/data/items").forEach(c -> out.add(c.get("call_id").asText()));
        return out;
    }

    @Test
    void listFiltersByAssistantNumberAndDates() {
        assertThat(ids("assistant_id=" + other)).containsExactly(created.get(5));
        assertThat(ids("assistant_id=" + server.tenancy.assistantId())).hasSize(5).doesNotContain(created.get(5));
        assertThat(ids("to_number=%2B14155550202")).containsExactly(created.get(5), created.get(2));
        assertThat(ids("to_number=+14155550202")).as("an unescaped + arrives as a space").containsExactly(created.get(5), created.get(2));
        assertThat(ids("to_number=%2B14155550202&assistant_id=" + other)).containsExactly(created.get(5));
        assertThat(ids("to_number=%2B14155559999")).isEmpty();
        assertThat(ids("created_before=2026-01-16T00:00:00Z")).containsExactly(created.get(0));
        assertThat(ids("created_after=2026-01-15T12:00:00Z&created_before=2026-01-15T12:00:00.001Z"))
                .as("the start is inclusive").containsExactly(created.get(0));
        assertThat(ids("created_after=2026-01-16T00:00:00%2B01:00")).hasSize(5).doesNotContain(created.get(0));
    }

    @Test
    void badFiltersSayWhatToFix() {
        Http.Response number = server.http.request("GET", "/v1/admin/assistant/calls?to_number=4155550202").headers(server.auth()).send();
        assertError(number, 400, "invalid_request");
        assertThat(number.json().at("/error/field").asText()).isEqualTo("to_number");
        assertThat(number.message()).contains("E.164");
        Http.Response date = server.http.request("GET", "/v1/admin/assistant/calls?created_after=yesterday").headers(server.auth()).send();
        assertError(date, 400, "invalid_request");
        assertThat(date.message()).contains("created_after", "ISO 8601");
        Http.Response range = server.http.request("GET",
                "/v1/admin/assistant/calls?created_after=2026-02-01T00:00:00Z&created_before=2026-01-01T00:00:00Z").headers(server.auth()).send();
        assertError(range, 400, "invalid_request");
        assertThat(range.json().at("/error/field").asText()).isEqualTo("created_before");
        Http.Response assistant = server.http.request("GET", "/v1/admin/assistant/calls?assistant_id=nope").headers(server.auth()).send();
        assertError(assistant, 400, "invalid_request");
        assertThat(assistant.json().at("/error/field").asText()).isEqualTo("assistant_id");
    }

    @Test
    void listIsNewestFirstAndEveryPageFollowsTheLast() {
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode data = server.http.request("GET", "/v1/admin/assistant/calls?limit=2" + (cursor == null ? "" : "&cursor=" + cursor))
                    .headers(server.auth()).send().json().get("data");
            data.get("items").forEach(c -> seen.add(c.get("call_id").asText()));
            cursor = data.get("has_more").asBoolean() ? data.get("next_cursor").asText() : null;
        } while (cursor != null);
        assertThat(seen).containsExactlyElementsOf(created.reversed());
    }

    @Test
    void listFiltersByStatus() {
        JsonNode failed = server.http.request("GET", "/v1/admin/assistant/calls?status=failed").headers(server.auth()).send().json();
        assertThat(failed.at("/data/items").size()).isEqualTo(1);
        assertThat(failed.at("/data/items/0/call_id").asText()).isEqualTo(created.get(1));
        JsonNode queued = server.http.request("GET", "/v1/admin/assistant/calls?status=queued").headers(server.auth()).send().json();
        assertThat(queued.at("/data/items").size()).isEqualTo(5);
        assertError(server.http.request("GET", "/v1/admin/assistant/calls?status=lost").headers(server.auth()).send(), 400, "invalid_request");
    }

    @Test
    void getShowsTimingsAndHistory() {
        JsonNode call = server.http.request("GET", "/v1/admin/assistant/call/" + created.get(0)).headers(server.auth()).send().json().get("data");
        assertThat(call.get("call_id").asText()).isEqualTo(created.get(0));
        for (String field : List.of("started_at", "answered_at", "ended_at", "duration_seconds", "ended_reason", "sip_code")) {
            assertThat(call.has(field)).as(field).isTrue();
        }
        assertThat(call.get("history").size()).isEqualTo(1);
        assertThat(call.at("/history/0/reason").asText()).isNotBlank();
    }

    @Test
    void unknownAndMalformedCallIds() {
        assertError(server.http.request("GET", "/v1/admin/assistant/call/c_000000000000000000000000").headers(server.auth()).send(),
                404, "call_not_found");
        assertError(server.http.request("GET", "/v1/admin/assistant/call/1%27%20OR%201=1").headers(server.auth()).send(),
                400, "invalid_request");
    }
}
