package dev.parley.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.config.ConfigLoader;
import dev.parley.dialer.DialerTest;
import dev.parley.support.Transcripts;
import dev.parley.support.Baresip;
import dev.parley.support.FakeChatCompletions;
import dev.parley.support.FakeChatCompletions.Script;
import dev.parley.support.FakeOpenAiSpeech;
import dev.parley.support.FakeTranscriptions;
import dev.parley.support.Http;
import dev.parley.support.Sipp;
import dev.parley.support.TestServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * "No account anywhere" with a language model: every part is an OpenAI-compatible server on this
 * machine (a model server like Ollama, a Whisper server, a speech server), reached by
 * {@code base_url} with no key at all, on a real call: a baresip softphone answers and speaks over
 * RTP; Parley's own endpointing cuts the utterance, posts it as a WAV for transcription, streams
 * the model's reply and speaks it with the streamed 24 kHz voice resampled to the telephone's 8 kHz.
 */
@Tag("sip")
class LocalAssistantTest {
    static final int SIP = Sipp.freeUdpPort();

    @RegisterExtension
    static final TestServer server = TestServer.perClass(Map.of(
            ConfigLoader.SIP_LISTEN, "127.0.0.1:" + SIP,
            ConfigLoader.DIALER_ENABLED, "true",
            ConfigLoader.DIALER_RING_TIMEOUT_SECONDS, "10",
            ConfigLoader.SPEECH_RECOGNIZERS, "1",
            ConfigLoader.PROVIDERS_ALLOWED_HOSTS, "127.0.0.1"));

    @BeforeAll
    static void peers() {
        server.awaitSpeechEngines(); // its latencies and real-time audio are measured on a node done loading
        Baresip.require();
    }

    static Baresip phone(String number, Path microphone) throws InterruptedException {
        return server.softphone(number, SIP, microphone);
    }

    @Test
    void aFullyLocalAssistantHoldsAConversationWithNoKeys() throws Exception {
        String number = "+14155580001";
        try (FakeChatCompletions llm = FakeChatCompletions.start();
             FakeTranscriptions whisper = new FakeTranscriptions();
             FakeOpenAiSpeech speech = new FakeOpenAiSpeech();
             Baresip phone = phone(number, SpokenConversationTest.fixture("pause:3", "when do you open", "pause:9"))) {
            whisper.texts("When do you open?");
            llm.script(new Script(200, Optional.empty(), List.of("We open ", "at seven ", "every morning."),
                    List.of(Script.call("c1", "end_call", "{}")), 0, 0, -1, Optional.empty(), "llama3.1"));
            Http.Response a = server.createAssistant("""
                    {"name": "Local", "config": {
                      "system_prompt": "You are the bakery's receptionist.",
                      "first_message": "Hello, the bakery here.",
                      "end_message": "Bye now!",
                      "model": {"provider": "openai", "model": "llama3.1", "base_url": "%s"},
                      "transcriber": {"provider": "openai", "model": "whisper-1", "base_url": "%s"},
                      "voice": {"provider": "openai", "voiceId": "af_bella", "model": "kokoro", "base_url": "%s"}}}"""
                    .formatted(llm.baseUrl(), whisper.baseUrl(), speech.baseUrl()));
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                    .json("{\"assistant_id\":\"" + a.json().at("/data/assistant_id").asText() + "\",\"to_number\":\""
                            + number + "\"}").send();
            assertThat(r.status()).as("no key is needed for servers of one's own: " + r.body()).isEqualTo(200);
            String id = r.json().at("/data/call_id").asText();

            JsonNode done = DialerTest.await(server, id, c -> !c.get("ended_at").isNull(), "ended");
            assertThat(done.get("ended_reason").asText()).as(phone.log()).isEqualTo("assistant-ended");
            assertThat(Transcripts.said(done, "assistant"))
                    .containsExactly("Hello, the bakery here.", "We open at seven every morning.", "Bye now!");
            assertThat(Transcripts.said(done, "caller")).containsExactly("When do you open?");
            // The utterance went out as a WAV of the caller's speech, cut by Parley's own endpointing.
            FakeTranscriptions.Request heard = whisper.requests().getFirst();
            assertThat(heard.model()).isEqualTo("whisper-1");
            assertThat(heard.samples().length / 8).as("ms of audio sent for transcription").isBetween(600, 3_000);
            assertThat(heard.authorization()).as("no key, no Authorization header").isNull();
            assertThat(llm.requests().getFirst().header("authorization")).isEmpty();
            assertThat(speech.requests()).isNotEmpty().allSatisfy(q -> assertThat(q.authorization()).isNull());
            assertThat(speech.requests().getFirst().body().get("voice").asText()).isEqualTo("af_bella");
            JsonNode latency = done.get("latency");
            assertThat(latency.get(0).get("total_ms").asInt()).as("greeting made while it rang").isLessThan(300);
        }
    }
}
