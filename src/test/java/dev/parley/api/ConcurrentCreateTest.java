package dev.parley.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("db")
class ConcurrentCreateTest {

    @Test
    void twoHundredConcurrentCreatesGiveTwoHundredDistinctDurableCalls() throws Exception {
        try (TestServer server = TestServer.start()) {
            int n = 200;
            CountDownLatch go = new CountDownLatch(1);
            Set<String> ids = ConcurrentHashMap.newKeySet();
            List<Future<Integer>> statuses = new ArrayList<>();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < n; i++) {
                    String to = "+1415555" + String.format("%04d", i);
                    statuses.add(pool.submit(() -> {
                        go.await();
                        Http.Response r = server.createCall(to);
                        if (r.status() == 200) {
                            ids.add(r.json().at("/data/call_id").asText());
                        }
                        return r.status();
                    }));
                }
                go.countDown();
                for (Future<Integer> f : statuses) {
                    assertThat(f.get()).isEqualTo(200);
                }
            }
            assertThat(ids).hasSize(n);
            assertThat(server.count("SELECT count(*) FROM calls")).isEqualTo(n);
            assertThat(server.count("SELECT count(*) FROM dial_jobs")).isEqualTo(n);
            assertThat(server.count("SELECT count(*) FROM call_events")).isEqualTo(n);
            var page = server.http.request("GET", "/v1/admin/assistant/calls?limit=100").headers(server.auth()).send().json().get("data");
            assertThat(page.get("items")).hasSize(100);
            page.get("items").forEach(c -> assertThat(ids).contains(c.get("call_id").asText()));
            assertThat(page.get("has_more").asBoolean()).isTrue();
        }
    }

    @Test
    void concurrentRequestsBatchedTogetherEachGetTheirOwnOutcome() throws Exception {
        try (TestServer server = TestServer.start()) {
            String disabled = server.createAssistant("{\"name\":\"off\",\"enabled\":false,\"config\":{}}").json().at("/data/assistant_id").asText();
            String[] assistants = {server.tenancy.assistantId(), "dddddddddddddddddddddddd", disabled};
            int[] expected = {200, 404, 409};
            int n = 90;
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> statuses = new ArrayList<>();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < n; i++) {
                    String body = "{\"assistant_id\":\"" + assistants[i % 3] + "\",\"to_number\":\"+1415555" + String.format("%04d", i) + "\"}";
                    statuses.add(pool.submit(() -> {
                        go.await();
                        return server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth()).json(body).send().status();
                    }));
                }
                go.countDown();
                for (int i = 0; i < n; i++) {
                    assertThat(statuses.get(i).get()).as("request " + i).isEqualTo(expected[i % 3]);
                }
            }
            assertThat(server.count("SELECT count(*) FROM calls")).isEqualTo(n / 3);
            assertThat(server.count("SELECT count(*) FROM calls WHERE assistant_id <> '" + server.tenancy.assistantId() + "'")).isZero();
            assertThat(server.count("SELECT count(*) FROM dial_jobs")).isEqualTo(n / 3);
        }
    }
}
