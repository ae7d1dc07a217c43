package dev.parley.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.support.Http;
import dev.parley.support.TestPostgres;
import dev.parley.support.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: a node that loses its database answers 503 with {@code Retry-After} and the error
 * envelope within a second (it used to hold each request for the pool's 5 s connection timeout),
 * and comes back by itself once the database does. bench/faults/db-restart.sh does the same with
 * PostgreSQL really stopped and started, under load and with live calls.
 */
@Tag("db")
class DatabaseOutageTest {
    private static final Duration PROMISE = Duration.ofSeconds(1);

    @Test
    void requestsAreRefusedQuicklyWhileTheDatabaseIsGoneAndTheNodeRecovers() throws Exception {
        try (TestServer server = TestServer.start()) {
            Http.Response before = server.createCall("+14155550123");
            assertThat(before.status()).as(before.body()).isEqualTo(200);
            String accepted = before.json().at("/data/call_id").asText();

            TestPostgres.cutOff(server.databaseUrl);
            try {
                List<Supplier<Http.Response>> requests = List.of(
                        () -> server.createCall("+14155550124"),
                        () -> server.http.request("GET", "/v1/admin/assistant/call/" + accepted).headers(server.auth()).send(),
                        () -> server.http.request("GET", "/readyz").send());
                List<Long> millis = new ArrayList<>();
                for (int round = 0; round < 5; round++) {
                    for (Supplier<Http.Response> request : requests) {
                        long start = System.nanoTime();
                        Http.Response r = request.get();
                        millis.add((System.nanoTime() - start) / 1_000_000);
                        assertThat(r.status()).as(r.body()).isEqualTo(503);
                        assertThat(r.header("Retry-After")).isNotNull();
                        assertThat(r.json().get("success").asBoolean()).isFalse();
                        assertThat(r.errorCode()).isIn("database_unavailable", "not_ready");
                    }
                }
                assertThat(millis).as("milliseconds per refused request").allMatch(ms -> ms < PROMISE.toMillis());
            } finally {
                TestPostgres.restore(server.databaseUrl);
            }

            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (server.http.request("GET", "/readyz").send().status() != 200) {
                assertThat(System.nanoTime()).as("readyz back within 20 s of the database").isLessThan(deadline);
                Thread.sleep(50); // the pool reconnects on its own schedule: nothing to advance but the clock
            }
            Http.Response after = server.createCall("+14155550125");
            assertThat(after.status()).as(after.body()).isEqualTo(200);
            Http.Response kept = server.http.request("GET", "/v1/admin/assistant/call/" + accepted).headers(server.auth()).send();
            assertThat(kept.status()).as(kept.body()).isEqualTo(200);
        }
    }
}
