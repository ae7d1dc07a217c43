package dev.parley.telephony;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.config.ConfigLoader;
import dev.parley.dialer.DialerTest;
import dev.parley.support.Baresip;
import dev.parley.support.Sipp;
import dev.parley.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The embedded default end to end: a real softphone (baresip) registers to Parley's sandbox, a call
 * placed through the API rings it, and each side hears the other: Parley's recording has the
 * softphone's speech, and the softphone's recording has the assistant's greeting.
 */
@Tag("sip")
class SandboxSoftphoneTest {
    static final int SIP = Sipp.freeUdpPort();

    @RegisterExtension
    static final TestServer server = TestServer.perClass(Map.of(
            ConfigLoader.SIP_LISTEN, "127.0.0.1:" + SIP,
            ConfigLoader.DIALER_ENABLED, "true",
            ConfigLoader.DIALER_RING_TIMEOUT_SECONDS, "10",
            ConfigLoader.SPEECH_RECOGNIZERS, "1")); // one call: the default second recognizer's load is CPU for nothing

    @BeforeAll
    static void peers() {
        Baresip.require();
    }

    @Test
    void aRegisteredSoftphoneRingsAnswersAndBothSidesHearEachOther() throws Exception {
        JsonNode sandbox = server.http.request("GET", "/v1/admin/sandbox").headers(server.auth()).send().json().get("data");
        assertThat(sandbox.at("/registrar/port").asInt()).isEqualTo(SIP);
        String password = sandbox.get("password").asText();
        Path speech = Files.createTempFile("callee", ".wav");
        Process tts = new ProcessBuilder("sh", "-c", "espeak-ng -v en-us -s 140 -w /dev/stdout 'This is the callee speaking."
                + " One two three four five six seven eight nine ten. I am still talking so the line stays busy.'"
                + " | sox -D -t wav - -r 8000 -c 1 -b 16 " + speech + " pad 4.5 2").inheritIO().start();
        assertThat(tts.waitFor()).as("espeak-ng and sox make the callee's speech").isZero();

        try (Baresip phone = Baresip.register("+14155550123", password, "127.0.0.1", SIP, speech)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (server.count("SELECT count(*) FROM sandbox_registrations WHERE number = '+14155550123'") == 0) {
                assertThat(System.nanoTime()).as("baresip registered; its log:\n" + phone.log()).isLessThan(deadline);
                Thread.sleep(100);
            }
            JsonNode listed = server.http.request("GET", "/v1/admin/sandbox").headers(server.auth()).send().json().at("/data/registered");
            assertThat(listed.findValuesAsText("number")).as("the sandbox lists the softphone").contains("+14155550123");
            String id = server.createCall("+14155550123").json().at("/data/call_id").asText();
            JsonNode done = DialerTest.await(server, id, c -> c.get("ended_at").isNull() == false, "ended");
            assertThat(done.get("status").asText()).as(phone.log()).isEqualTo("completed");
            // The softphone listens to the greeting, talks, and hangs up when its file ends.
            assertThat(done.get("ended_reason").asText()).isEqualTo("callee-ended");

            byte[] wav = DialerTest.recording(server, id);
            double[] rms = DialerTest.stereoRms(wav);
            assertThat(rms[1]).as("Parley's greeting is in its own recording").isGreaterThan(300);
            assertThat(rms[0]).as("the softphone's speech reached Parley").isGreaterThan(300);
            Thread.sleep(500);
            assertThat(phone.dumps()).as("baresip dumped its audio").isNotEmpty();
            double heard = phone.dumps().stream().filter(f -> f.getFileName().toString().contains("dec"))
                    .mapToDouble(SandboxSoftphoneTest::monoRms).max().orElse(0);
            assertThat(heard).as("the softphone heard Parley's greeting; dumps: " + phone.dumps()).isGreaterThan(300);
        }
    }

    @Test
    void aNumberWithNoRegistrationIsUnreachable() {
        String id = server.createCall("+14155550999").json().at("/data/call_id").asText();
        JsonNode c = DialerTest.await(server, id, x -> x.get("status").asText().equals("failed"), "failed");
        assertThat(c.get("ended_reason").asText()).isEqualTo("unreachable");
    }

    static double monoRms(Path wav) {
        try {
            byte[] b = Files.readAllBytes(wav);
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            double sum = 0;
            int n = (b.length - 44) / 2;
            for (int i = 0; i < n; i++) {
                double v = buf.getShort(44 + 2 * i);
                sum += v * v;
            }
            return n == 0 ? 0 : Math.sqrt(sum / n);
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
