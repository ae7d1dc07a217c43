package dev.parley.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.Bootstrap;
import dev.parley.config.ConfigLoader;
import dev.parley.store.Database;
import dev.parley.support.Http;
import dev.parley.support.ServeProcess;
import dev.parley.support.TestPorts;
import dev.parley.support.TestPostgres;
import dev.parley.support.TestServer;
import dev.parley.support.WebhookReceiver;
import dev.parley.support.WebhookReceiver.Answer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A node is killed (SIGKILL) while its deliveries are in flight; another node on the same database
 * takes them over when their lease ends, and every event arrives.
 */
@Tag("db")
class NodeKilledMidDeliveryTest {

    @Test
    void anotherNodeFinishesTheOutboxOfAKilledOne() throws Exception {
        String url = TestPostgres.newDatabaseUrl();
        Bootstrap.Tenancy tenancy;
        try (Database db = Database.open(ConfigLoader.of(Map.of(ConfigLoader.DATABASE_URL, url)), true, null)) {
            tenancy = Bootstrap.init(db);
        }
        // First attempts hang, so the first node dies with them in flight; later attempts succeed.
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            receiver.script((id, before) -> before == 0 ? Answer.slow(Duration.ofSeconds(30)) : Answer.ok());
            Process first = startNode(url);
            int events = 5;
            Set<String> calls = new HashSet<>();
            try {
                Http http = new Http(ServeProcess.awaitServing(first, new java.util.HashMap<>()));
                for (int i = 0; i < events; i++) {
                    Http.Response r = http.request("POST", "/v1/admin/assistant/call").headers(auth(tenancy))
                            .json("{\"assistant_id\":\"" + tenancy.assistantId() + "\",\"to_number\":\"+14155550123\","
                                    + "\"webhook_url\":\"" + receiver.url() + "\"}").send();
                    assertThat(r.status()).as(r.body()).isEqualTo(200);
                    calls.add(r.json().at("/data/call_id").asText());
                }
                receiver.awaitCount(events, Duration.ofSeconds(15));
            } finally {
                first.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
                first.waitFor(10, TimeUnit.SECONDS);
            }

            try (TestServer second = TestServer.onDatabase(url, WebhookDeliveryTest.FAST)) {
                receiver.awaitCount(2 * events, Duration.ofSeconds(20));
                Set<String> delivered = new HashSet<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (delivered.size() < events && System.nanoTime() < deadline) {
                    delivered.clear();
                    JsonNode items = second.http.request("GET", "/v1/admin/webhook-deliveries?limit=100").headers(auth(tenancy))
                            .send().json().at("/data/items");
                    items.forEach(d -> {
                        if (d.get("state").asText().equals("delivered")) {
                            delivered.add(d.get("call_id").asText());
                        }
                    });
                    Thread.sleep(100);
                }
                assertThat(delivered).isEqualTo(calls);
                Set<String> arrived = new HashSet<>();
                receiver.received().forEach(r -> arrived.add(r.json().at("/data/call_id").asText()));
                assertThat(arrived).isEqualTo(calls);
            }
        }
    }

    /** A real second Parley process on the same database, with short leases so the test is quick. */
    private static Process startNode(String databaseUrl) throws Exception {
        return ServeProcess.start(List.of("--database-url", databaseUrl,
                "--data-dir", Files.createTempDirectory("parley-node").toString()), Map.of(
                "PARLEY_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1",
                "PARLEY_WEBHOOK_TIMEOUT_MS", "1500",
                "PARLEY_WEBHOOK_LEASE_MS", "2000",
                "PARLEY_SECRETS_MASTER_KEY", TestServer.MASTER_KEY,
                // serve dials by default: its SIP agent and RTP on this fork's ports, not 5060 and the default range
                "PARLEY_SIP_LISTEN", "127.0.0.1:" + TestPorts.udpAndTcp(),
                "PARLEY_RTP_PORTS", TestPorts.rtpPorts()));
    }

    private static Map<String, String> auth(Bootstrap.Tenancy t) {
        return Map.of("workspace", t.workspaceId(), "organization", t.organizationId(),
                "Authorization", "Bearer " + t.apiKey().orElseThrow());
    }
}
