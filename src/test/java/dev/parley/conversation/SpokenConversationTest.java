package dev.parley.conversation;

import static dev.parley.support.Transcripts.said;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.config.ConfigLoader;
import dev.parley.dialer.DialerTest;
import dev.parley.media.Wav;
import dev.parley.support.Baresip;
import dev.parley.support.CalleeAudio;
import dev.parley.support.Http;
import dev.parley.support.Sipp;
import dev.parley.support.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Spoken conversations end to end, with real audio both ways: a baresip softphone registered to
 * the sandbox answers and speaks espeak-ng fixtures (never FreeTTS, the assistant's own voice);
 * Parley hears it through RTP, the jitter buffer, the VAD and Sphinx4, follows the flow, and
 * answers with FreeTTS. Both recordings are checked. DTMF and a callee hang-up come from SIPp.
 */
@Tag("sip")
class SpokenConversationTest {
    static final int SIP = Sipp.freeUdpPort();
    static final int TRUNK = Sipp.freeUdpPort();
    static final AtomicInteger NUMBERS = new AtomicInteger(100);

    @RegisterExtension
    static final TestServer server = TestServer.perClass(Map.of(
            ConfigLoader.SIP_LISTEN, "127.0.0.1:" + SIP,
            ConfigLoader.DIALER_ENABLED, "true",
            ConfigLoader.DIALER_RING_TIMEOUT_SECONDS, "10",
            ConfigLoader.SPEECH_RECOGNIZERS, "1",
            ConfigLoader.WEBHOOK_ALLOWED_HOSTS, "127.0.0.1"));

    static final String REMINDER = """
            {"name": "reminder", "config": {"max_duration_seconds": %d, "flow": {"steps": [
              {"id": "ask", "say": "Can you make it tomorrow?", "listen": {
                 "intents": [{"name": "yes", "phrases": ["yes", "yeah"], "goto": "confirmed"},
                             {"name": "no", "phrases": ["no", "nope"], "goto": "declined"}],
                 "dtmf": {"1": "confirmed", "2": "declined"},
                 "no_match": {"say": "Sorry, please say yes or no.", "retries": 1},
                 "no_input": {"say": "Are you still there?", "retries": 1, "timeout_seconds": 2}}},
              {"id": "confirmed", "say": "Great, see you then.", "goto": "bye"},
              {"id": "declined", "say": "Okay, we will call you back.", "goto": "bye"},
              {"id": "bye", "end": {"say": "Goodbye."}}]}}}""";

    @BeforeAll
    static void peers() {
        server.awaitSpeechEngines(); // its latencies and real-time audio are measured on a node done loading
        Baresip.require();
        Sipp.require();
        server.callAtAnyHour(); // the trunk tests (SIPp) keep calling hours otherwise
    }

    static String assistant(String json) {
        Http.Response r = server.createAssistant(json);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().at("/data/assistant_id").asText();
    }

    static String call(String assistantId, String number) {
        Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json("{\"assistant_id\":\"" + assistantId + "\",\"to_number\":\"" + number + "\"}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().at("/data/call_id").asText();
    }

    /** The callee's audio ({@link CalleeAudio}). */
    static Path fixture(String... pieces) throws IOException, InterruptedException {
        return CalleeAudio.of(pieces);
    }

    static Baresip phone(String number, Path microphone) throws InterruptedException {
        return server.softphone(number, SIP, microphone);
    }

    static String number() {
        return "+1415555" + String.format("%04d", NUMBERS.incrementAndGet());
    }

    static JsonNode ended(String id) {
        return DialerTest.await(server, id, c -> !c.get("ended_at").isNull() && c.get("transcript").size() > 0, "ended");
    }


    @Test
    void theGreetingIsHeardAtOnceAndAYesIsFollowed() throws Exception {
        String id;
        String number = number();
        try (Baresip phone = phone(number, fixture("pause:2.5", "yes", "pause:8"))) {
            id = call(assistant(REMINDER.formatted(60)), number);
            JsonNode done = ended(id);
            assertThat(done.get("status").asText()).as(phone.log()).isEqualTo("completed");
            assertThat(done.get("ended_reason").asText()).isEqualTo("assistant-ended");
            assertThat(said(done, "assistant")).containsExactly("Can you make it tomorrow?", "Great, see you then.", "Goodbye.");
            assertThat(said(done, "caller")).containsExactly("yes");
            long endedMs = java.time.Duration.between(java.time.Instant.parse(done.get("answered_at").asText()),
                    java.time.Instant.parse(done.get("ended_at").asText())).toMillis();
            long lastLineEndMs = done.get("transcript").get(done.get("transcript").size() - 1).get("end_ms").asLong();
            assertThat(endedMs - lastLineEndMs).as("the call ends when the goodbye has played (it took 3 s more once)")
                    .isLessThan(1500);
            JsonNode latency = done.get("latency");
            assertThat(latency.size()).as("the greeting and the answer to 'yes' are measured").isGreaterThanOrEqualTo(2);
            assertThat(latency.get(0).get("total_ms").asInt()).as("greeting: answer to first audio").isLessThan(300);
            JsonNode answer = latency.get(1);
            assertThat(answer.get("endpointing_ms").asInt()).isBetween(400, 700);
            assertThat(answer.get("stt_ms").isNull()).isFalse();
            assertThat(done.get("recording_url").asText()).endsWith("/recording");
            String metrics = server.http.request("GET", "/metrics").send().body();
            assertThat(metrics).containsPattern("parley_conversation_response_latency_seconds_count [1-9]")
                    .contains("parley_speech_recognizers{state=\"free\"}", "parley_speech_recognizer_waits_timed_out_total");

            // Parley's recording starts at the answer: the greeting is on its right side within 300 ms.
            short[][] lr = stereo(DialerTest.recording(server, id));
            int greetingAt = firstLoud(lr[1], 300);
            assertThat(greetingAt).as("the greeting is on the recording").isGreaterThanOrEqualTo(0);
            assertThat(greetingAt / 8).as("ms from the answer to the greeting, on the recording").isLessThan(300);
            assertThat(rms(lr[0], 0, lr[0].length)).as("the callee's speech is on the recording's left").isGreaterThan(100);
            // baresip's own dump of what it decoded: speech from its first 300 ms (Parley sends nothing before
            // the greeting), and the assistant's later lines too.
            Thread.sleep(300);
            Path dec = phone.dumps().stream().filter(f -> f.getFileName().toString().contains("dec")).findFirst()
                    .orElseThrow(() -> new AssertionError("baresip dumped what it heard: " + phone.dumps()));
            short[] heard;
            try (InputStream in = Files.newInputStream(dec)) {
                heard = Wav.readMono8k(in);
            }
            assertThat(firstLoud(heard, 300) / 8).as("ms until the callee heard speech").isBetween(0, 300);
            assertThat(heard.length / 8000.0).as("the callee heard all three lines (the dump holds received audio only)").isGreaterThan(2.5);
        }
    }

    @Test
    void aNoTakesTheOtherBranchAndTheReportCarriesTheTranscript() throws Exception {
        String number = number();
        try (Baresip phone = phone(number, fixture("pause:2.5", "no", "pause:8"));
             dev.parley.support.WebhookReceiver receiver = new dev.parley.support.WebhookReceiver()) {
            Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                    .json("{\"assistant_id\":\"" + assistant(REMINDER.formatted(60)) + "\",\"to_number\":\"" + number
                            + "\",\"webhook_url\":\"" + receiver.url() + "\"}").send();
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            JsonNode done = ended(r.json().at("/data/call_id").asText());
            assertThat(said(done, "caller")).as(phone.log()).containsExactly("no");
            assertThat(said(done, "assistant")).containsExactly("Can you make it tomorrow?", "Okay, we will call you back.", "Goodbye.");
            // Whether call.ringing comes too depends on the 180 reaching Parley before the 200 (UDP may reorder
            // or lose it); the report is what this test is about.
            JsonNode report = receiver.awaitEvent("call.report", Duration.ofSeconds(30)).json();
            assertThat(report.at("/data/transcript")).as("the report's transcript is the call's").isEqualTo(done.get("transcript"));
            assertThat(report.at("/data/latency")).isEqualTo(done.get("latency"));
            assertThat(report.at("/data/recording_url").asText()).isEqualTo(done.get("recording_url").asText());
        }
    }

    @Test
    void somethingElseIsRepromptedAndSilenceEndsTheCall() throws Exception {
        String number = number();
        try (Baresip phone = phone(number, fixture("pause:2.5", "the weather is purple today", "pause:20"))) {
            JsonNode done = ended(call(assistant(REMINDER.formatted(60)), number));
            assertThat(done.get("ended_reason").asText()).as(phone.log()).isEqualTo("silence-timeout");
            assertThat(said(done, "assistant")).as("no_input has no goto: the assistant's end_message closes")
                    .containsExactly("Can you make it tomorrow?", "Sorry, please say yes or no.", "Are you still there?",
                            "Thank you for your time. Goodbye!");
        }
    }

    @Test
    void speakingOverALongGreetingInterruptsIt() throws Exception {
        String long_ = """
                {"name": "talker", "config": {"first_message": "Hello, this is a long message from Parley about your
                 appointment tomorrow, with many details that take a while to read out, so you may interrupt me at
                 any time. Do you want to keep it?"}}""".replace("\n", "");
        String number = number();
        try (Baresip phone = phone(number, fixture("pause:2.0", "yes yes I will come", "pause:8"))) {
            String id = call(assistant(long_), number);
            JsonNode done = ended(id);
            JsonNode first = done.get("transcript").get(0);
            assertThat(first.get("speaker").asText()).isEqualTo("assistant");
            assertThat(first.get("interrupted").asBoolean()).as(done.toString()).isTrue();
            assertThat(first.get("text").asText().length()).isLessThan(90);
            assertThat(first.get("end_ms").asLong()).as("cut soon after the callee began at about 2 s").isBetween(2000L, 2800L);
            // On the recording, Parley's side goes quiet after the callee starts speaking.
            byte[] wav = DialerTest.recording(server, id);
            short[][] lr = stereo(wav);
            int onset = firstLoud(lr[0], 300);
            assertThat(onset).isGreaterThan(0);
            double after = rms(lr[1], onset + 8 * 400, onset + 8 * 1200);
            assertThat(after).as("the assistant is silent 400-1200 ms after the callee started").isLessThan(50);
        }
    }

    /** Runs {@code body} with calls going to SIPp through a workspace number on its trunk. */
    static void viaSipp(String scenario, java.util.function.Consumer<String> body) {
        Http.Response added = server.http.request("POST", "/v1/admin/phone-number").headers(server.auth())
                .json("{\"number\":\"+14155550100\",\"trunk\":{\"host\":\"127.0.0.1\",\"port\":" + TRUNK + "}}").send();
        assertThat(added.status()).as(added.body()).isEqualTo(200);
        try (Sipp callee = Sipp.uas(scenario, TRUNK, 1, false)) {
            body.accept(callee.toString());
        } finally {
            server.app.database().jdbi().useHandle(h -> h.execute("DELETE FROM phone_numbers"));
        }
    }

    @Test
    void aKeyPressFollowsTheDtmfBranch() {
        String reminder = assistant(REMINDER.formatted(60));
        viaSipp("uas-answer-dtmf.xml", sipp -> {
            JsonNode done = ended(call(reminder, "+14155550777"));
            assertThat(done.get("dtmf").asText()).startsWith("1");
            assertThat(said(done, "assistant")).containsSubsequence("Great, see you then.", "Goodbye.");
            assertThat(done.get("transcript").get(0).get("interrupted").asBoolean()).as("the key cut the question short").isTrue();
            assertThat(done.get("ended_reason").asText()).isEqualTo("assistant-ended");
        });
    }

    @Test
    void theCalleeHangingUpMidSentenceKeepsWhatWasSaid() {
        String talker = assistant("""
                {"name": "talker2", "config": {"first_message": "Hello, this is Parley with a message that takes a few seconds to say, which is longer than the callee listens."}}""");
        viaSipp("uas-answer-then-bye.xml", sipp -> {
            JsonNode done = ended(call(talker, "+14155550778"));
            assertThat(done.get("ended_reason").asText()).isEqualTo("callee-ended");
            JsonNode first = done.get("transcript").get(0);
            assertThat(first.get("interrupted").asBoolean()).isTrue();
            assertThat(first.get("end_ms").asLong()).as("cut at the BYE, about 1 s in").isBetween(700L, 1600L);
        });
    }

    @Test
    void maxDurationEndsALongConversation() throws Exception {
        String number = number();
        try (Baresip phone = phone(number, fixture("pause:20"))) {
            JsonNode done = ended(call(assistant("""
                    {"name": "short", "config": {"max_duration_seconds": 3, "first_message": "Hello, this greeting is long on purpose so that the call runs into its limit of three seconds before I finish talking to you about anything."}}"""),
                    number));
            assertThat(done.get("ended_reason").asText()).as(phone.log()).isEqualTo("max-duration");
            assertThat(done.get("transcript").get(0).get("interrupted").asBoolean()).isTrue();
        }
    }

    /** Parley's recordings have the canonical 44-byte header: caller left, Parley right. */
    static short[][] stereo(byte[] wav) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(wav, 44, wav.length - 44).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int frames = (wav.length - 44) / 4;
        short[][] lr = new short[2][frames];
        for (int i = 0; i < frames; i++) {
            lr[0][i] = b.getShort();
            lr[1][i] = b.getShort();
        }
        return lr;
    }

    /** The first sample index where a 20 ms window's RMS exceeds {@code level}, or -1. */
    static int firstLoud(short[] pcm, double level) {
        for (int i = 0; i + 160 <= pcm.length; i += 80) {
            if (rms(pcm, i, i + 160) > level) {
                return i;
            }
        }
        return -1;
    }

    static double rms(short[] pcm, int from, int to) {
        double sum = 0;
        int n = 0;
        for (int i = Math.max(0, from); i < Math.min(pcm.length, to); i++, n++) {
            sum += (double) pcm[i] * pcm[i];
        }
        return n == 0 ? 0 : Math.sqrt(sum / n);
    }
}
