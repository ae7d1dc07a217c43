package dev.parley.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.support.Http;
import dev.parley.support.TestPostgres;
import dev.parley.support.TestServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("db")
class SystemRoutesTest {

    @Test
    void healthReadinessAndMetrics() {
        try (TestServer server = TestServer.start()) {
            assertThat(server.http.request("GET", "/healthz").send().json().get("status").asText()).isEqualTo("ok");
            Http.Response ready = server.http.request("GET", "/readyz").send();
            assertThat(ready.status()).isEqualTo(200);
            assertThat(ready.json().get("database").asText()).isEqualTo("ok");

            server.createCall("+14155550123");
            server.http.request("GET", "/no/such/route").send();
            String metrics = server.http.request("GET", "/metrics").send().body();
            assertThat(metrics).contains("http_server_requests_seconds_count{method=\"POST\",route=\"/v1/admin/assistant/call\",status=\"200\"} 1");
            assertThat(metrics).contains("http_server_requests_seconds_bucket{method=\"POST\",route=\"/v1/admin/assistant/call\"");
            assertThat(metrics).contains("route=\"unmatched\",status=\"404\"");
            assertThat(metrics).contains("hikaricp_connections_active");
            assertThat(metrics).doesNotContain(server.tenancy.apiKey().orElseThrow());
        }
    }

    @Test
    void readinessFailsWhenTheDatabaseIsGone() {
        TestServer server = TestServer.start();
        TestPostgres.cutOff(server.databaseUrl);
        Http.Response r = server.http.request("GET", "/readyz").send();
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.json().get("success").asBoolean()).isFalse();
        Http.Response call = server.createCall("+14155550123");
        assertThat(call.status()).as(call.body()).isEqualTo(503);
        assertThat(call.header("Retry-After")).isNotNull();
        server.close();
    }
}
