package dev.parley.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.Bootstrap;
import dev.parley.config.ConfigLoader;
import dev.parley.store.Database;
import dev.parley.support.Http;
import dev.parley.support.TestPostgres;
import dev.parley.support.TestServer;
import dev.parley.support.WebhookReceiver;
import dev.parley.support.WebhookReceiver.Answer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
                Http http = new Http(portOf(first));
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
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = "target/classes:" + Files.readString(Path.of("target/runtime.classpath")).strip();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", classpath, "dev.parley.cli.Main", "serve", "--port", "0",
                "--database-url", databaseUrl, "--data-dir", Files.createTempDirectory("parley-node").toString());
        pb.environment().put("PARLEY_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1");
        pb.environment().put("PARLEY_WEBHOOK_TIMEOUT_MS", "1500");
        pb.environment().put("PARLEY_WEBHOOK_LEASE_MS", "2000");
        pb.environment().put("PARLEY_SECRETS_MASTER_KEY", TestServer.MASTER_KEY);
        pb.redirectErrorStream(true);
        return pb.start();
    }

    private static int portOf(Process p) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
        Pattern serving = Pattern.compile("serving on http://[^:]+:(\\d+)");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String line;
        while ((line = out.readLine()) != null && System.nanoTime() < deadline) {
            Matcher m = serving.matcher(line);
            if (m.find()) {
                Thread.ofVirtual().start(() -> out.lines().forEach(l -> { })); // keep draining its output
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("the second node did not start");
    }

    private static Map<String, String> auth(Bootstrap.Tenancy t) {
        return Map.of("workspace", t.workspaceId(), "organization", t.organizationId(),
                "Authorization", "Bearer " + t.apiKey().orElseThrow());
    }
}
