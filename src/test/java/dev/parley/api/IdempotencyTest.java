package dev.parley.api;

import static dev.parley.api.MakeACallApiTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

@Tag("db")
class IdempotencyTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass();

    private static Http.Response call(String key, String body) {
        return server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .header("Idempotency-Key", key).json(body).send();
    }

    private static String body(String to) {
        return "{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"" + to + "\"}";
    }

    @Test
    void aRepeatReturnsTheFirstResponseAndCreatesNothing() {
        Http.Response first = call("order-1001", body("+14155550111"));
        Http.Response again = call("order-1001", body("+14155550111"));
        assertThat(first.status()).isEqualTo(200);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(server.count("SELECT count(*) FROM calls WHERE to_number = '+14155550111'")).isEqualTo(1);
    }

    @Test
    void keyOrderInTheBodyDoesNotMatter() {
        String a = "{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"+14155550112\",\"metadata\":{\"x\":1,\"y\":2}}";
        String b = "{\"metadata\":{\"y\":2,\"x\":1},\"to_number\":\"+14155550112\",\"assistant_id\":\"" + server.tenancy.assistantId() + "\"}";
        assertThat(call("reorder", a).body()).isEqualTo(call("reorder", b).body());
    }

    @Test
    void theSameKeyWithAnotherBodyIs409() {
        assertThat(call("order-2002", body("+14155550113")).status()).isEqualTo(200);
        Http.Response other = call("order-2002", body("+14155550114"));
        assertError(other, 409, "idempotency_key_reused");
        assertThat(other.message()).contains("Idempotency-Key").contains("different");
        assertThat(server.count("SELECT count(*) FROM calls WHERE to_number = '+14155550114'")).isZero();
    }

    @Test
    void aFailedRequestDoesNotUseUpItsKey() {
        String missing = "{\"assistant_id\":\"aaaaaaaaaaaaaaaaaaaaaaaa\",\"to_number\":\"+14155550115\"}";
        assertError(call("retry-me", missing), 404, "assistant_not_found");
        assertThat(call("retry-me", body("+14155550115")).status()).isEqualTo(200);
    }

    @Test
    void keysExpireAfter24Hours() {
        String first = call("old-key", body("+14155550116")).json().at("/data/call_id").asText();
        server.app.database().jdbi().useHandle(h -> h.execute(
                "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'old-key'"));
        Http.Response later = call("old-key", body("+14155550117"));
        assertThat(later.status()).isEqualTo(200);
        assertThat(later.json().at("/data/call_id").asText()).isNotEqualTo(first);
    }

    @Test
    void malformedKeysAre400() {
        assertThat(call("bad key with spaces", body("+14155550118")).status()).isEqualTo(400);
        assertThat(call("x".repeat(256), body("+14155550118")).status()).isEqualTo(400);
    }

    @Test
    void sixtyFourIdenticalRequestsRacingOnOneKeyCreateExactlyOneCall() throws Exception {
        int n = 64;
        CountDownLatch go = new CountDownLatch(1);
        Set<String> callIds = ConcurrentHashMap.newKeySet();
        List<Future<Integer>> results = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                Callable<Integer> task = () -> {
                    go.await();
                    Http.Response r = call("race-key", body("+14155550119"));
                    if (r.status() == 200) {
                        callIds.add(r.json().at("/data/call_id").asText());
                    }
                    return r.status();
                };
                results.add(pool.submit(task));
            }
            go.countDown();
            for (Future<Integer> f : results) {
                assertThat(f.get()).isEqualTo(200);
            }
        }
        assertThat(callIds).hasSize(1);
        assertThat(server.count("SELECT count(*) FROM calls WHERE to_number = '+14155550119'")).isEqualTo(1);
        assertThat(server.count("SELECT count(*) FROM dial_jobs j JOIN calls c ON c.id = j.call_id WHERE c.to_number = '+14155550119'"))
                .isEqualTo(1);
    }
}
