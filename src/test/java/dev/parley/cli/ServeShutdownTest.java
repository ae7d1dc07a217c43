package dev.parley.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.support.Http;
import dev.parley.support.ServeProcess;
import dev.parley.support.Sipp;
import dev.parley.support.TestPorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code parley serve} on its embedded database, stopped with SIGTERM (what Ctrl-C, systemd and
 * Docker send) while a call is live: the call is hung up on the wire and its end is on record when
 * the node comes back. The embedded PostgreSQL must outlive Parley's own shutdown for that.
 */
@Tag("sip")
class ServeShutdownTest {
    @Test
    void aLiveCallIsHungUpAndRecordedWhenServeIsStopped() throws Exception {
        Sipp.require();
        Path dataDir = Files.createTempDirectory("parley-serve");
        int trunk = Sipp.freeUdpPort();
        Map<String, String> creds = new HashMap<>();
        String callId;
        try (Sipp callee = Sipp.uas("uas-answer.xml", trunk, 1)) {
            Process serve = start(dataDir, trunk);
            try {
                int port = ServeProcess.awaitServing(serve, creds);
                Http http = new Http(port);
                assertThat(creds.get("dashboard")).as("serve says where the dashboard is").isEqualTo("http://127.0.0.1:" + port + "/");
                Http.Response page = http.request("GET", "/").send();
                assertThat(page.status()).isEqualTo(200);
                assertThat(page.body()).contains("<html");
                Http.Response r = http.request("POST", "/v1/admin/assistant/call").headers(auth(creds))
                        .json("{\"assistant_id\":\"" + creds.get("assistant_id") + "\",\"to_number\":\"+14155550123\",\"calling_window\":null}").send();
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                callId = r.json().at("/data/call_id").asText();
                awaitStatus(http, creds, callId, "in-progress");
                Thread.sleep(1000); // a second into the four-second greeting
                serve.destroy(); // SIGTERM
                assertThat(serve.waitFor(30, TimeUnit.SECONDS)).as("serve stopped within 30 s of SIGTERM").isTrue();
            } finally {
                serve.destroyForcibly();
            }
            assertThat(callee.awaitExit(10)).as("the callee got Parley's BYE").isZero();
        }
        Process again = start(dataDir, trunk);
        try {
            Http http = new Http(ServeProcess.awaitServing(again, new HashMap<>()));
            JsonNode call = http.request("GET", "/v1/admin/assistant/call/" + callId).headers(auth(creds)).send().json().get("data");
            assertThat(call.get("status").asText()).as("the call's end was recorded before the database stopped: %s", call)
                    .isEqualTo("completed");
            assertThat(call.get("ended_reason").asText()).isEqualTo("api-hangup");
            assertThat(call.get("ended_at").isNull()).isFalse();
            assertThat(call.get("transcript").findValuesAsText("speaker")).as("the greeting, cut where the call ended, is kept")
                    .contains("assistant");
        } finally {
            again.destroy();
            again.waitFor(30, TimeUnit.SECONDS);
            again.destroyForcibly();
        }
    }

    private static Process start(Path dataDir, int trunk) throws Exception {
        return ServeProcess.start(List.of("--data-dir", dataDir.toString()), Map.of(
                "PARLEY_SIP_LISTEN", "127.0.0.1:" + Sipp.freeUdpPort(),
                "PARLEY_SIP_TRUNK", "127.0.0.1:" + trunk,
                "PARLEY_RTP_PORTS", TestPorts.rtpPorts(),
                "PARLEY_SPEECH_RECOGNIZERS", "1"));
    }

    private static void awaitStatus(Http http, Map<String, String> creds, String id, String status) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode c = null;
        while (System.nanoTime() < deadline) {
            c = http.request("GET", "/v1/admin/assistant/call/" + id).headers(auth(creds)).send().json().get("data");
            if (c.get("status").asText().equals(status)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the call never became " + status + ": " + c);
    }

    private static Map<String, String> auth(Map<String, String> creds) {
        return Map.of("workspace", creds.get("workspace_id"), "organization", creds.get("organization_id"),
                "Authorization", "Bearer " + creds.get("api_key"));
    }
}
