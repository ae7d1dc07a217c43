package dev.parley.api;

import static dev.parley.api.MakeACallApiTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.support.TestServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

/** Reading calls back: one with its history, and the workspace's list, newest first. */
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
        assertThat(queued.at("/data/items").size()).isEqualTo(4);
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
