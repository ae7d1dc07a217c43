package dev.parley.conversation;

import static dev.parley.support.Transcripts.said;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.parley.config.ConfigLoader;
import dev.parley.dialer.DialerTest;
import dev.parley.support.Baresip;
import dev.parley.support.CapturedLog;
import dev.parley.support.FakeChatCompletions;
import dev.parley.support.FakeChatCompletions.Script;
import dev.parley.support.FakeDeepgram;
import dev.parley.support.FakeElevenLabs;
import dev.parley.support.Http;
import dev.parley.support.Sipp;
import dev.parley.support.TestServer;
import dev.parley.webhook.WebhookSignature;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The seed vendor's own assistant (an OpenAI model, Deepgram's recognizer, an ElevenLabs voice) on
 * real calls: a baresip softphone registered to the sandbox answers and speaks espeak-ng audio over
 * RTP; Parley streams it to a Deepgram fake, sends what it heard to a chat-completions fake, and
 * speaks the model's reply through an ElevenLabs fake. The fakes speak each provider's documented
 * wire protocol on loopback; the providers are reached by each one's {@code base_url}, with the
 * keys set through the credentials API.
 */
@Tag("sip")
class AiConversationTest {
    static final int SIP = Sipp.freeUdpPort();

    @RegisterExtension
    static final TestServer server = TestServer.perClass(Map.of(
            ConfigLoader.SIP_LISTEN, "127.0.0.1:" + SIP,
            ConfigLoader.DIALER_ENABLED, "true",
            ConfigLoader.DIALER_RING_TIMEOUT_SECONDS, "10",
            ConfigLoader.SPEECH_RECOGNIZERS, "1",
            ConfigLoader.WEBHOOK_ALLOWED_HOSTS, "127.0.0.1",
            ConfigLoader.PROVIDERS_ALLOWED_HOSTS, "127.0.0.1"));

    FakeChatCompletions llm;
    FakeDeepgram deepgram;
    FakeElevenLabs elevenlabs;

    static final java.util.concurrent.atomic.AtomicInteger NUMBERS = new java.util.concurrent.atomic.AtomicInteger(500);
    static CapturedLog log;
    static String signingSecret;

    @BeforeAll
    static void peers() {
        server.awaitSpeechEngines(); // its latencies and real-time audio are measured on a node done loading
        Baresip.require();
        log = CapturedLog.everything();
        signingSecret = server.rotateSigningSecret();
    }

    @org.junit.jupiter.api.AfterAll
    static void releaseLog() {
        log.close();
    }

    static String number() {
        return "+1415557" + String.format("%04d", NUMBERS.incrementAndGet());
    }

    static Baresip phone(String number, Path microphone) throws InterruptedException {
        return server.softphone(number, SIP, microphone);
    }

    @BeforeEach
    void fakes() {
        llm = FakeChatCompletions.start();
        deepgram = new FakeDeepgram();
        elevenlabs = new FakeElevenLabs();
        // Keys go only to the server they were set for: each is scoped to its fake.
        for (var key : Map.of("openai", List.of("sk-test-openai", llm.baseUrl()), "deepgram", List.of("dg-test-key",
                deepgram.baseUrl()), "elevenlabs", List.of("xi-test-key", elevenlabs.baseUrl().toString())).entrySet()) {
            Http.Response r = server.http.request("PUT", "/v1/admin/credentials/" + key.getKey()).headers(server.auth())
                    .json("{\"api_key\": \"" + key.getValue().get(0) + "\", \"base_url\": \"" + key.getValue().get(1) + "\"}").send();
            assertThat(r.status()).as(r.body()).isEqualTo(200);
        }
    }

    @AfterEach
    void stopFakes() {
        llm.close();
        deepgram.close();
        elevenlabs.close();
    }

    /** The vendor's Create Assistant example, its providers pointed at the fakes. */
    String seedAssistant(String extra) {
        return """
                {"name": "Acme reminders", "config": {
                  "system_prompt": "You call {{name}} for Acme Dental about an appointment tomorrow at nine.",
                  "first_message": "Hi {{name}}, can you make it tomorrow?",
                  "end_message": "Thanks, goodbye!",
                  "model": {"provider": "openai", "model": "gpt-4o-mini", "base_url": "%s"},
                  "transcriber": {"provider": "deepgram", "model": "nova-2", "base_url": "%s"},
                  "voice": {"provider": "elevenlabs", "voiceId": "21m00Tcm4TlvDq8ikWAM", "model": "eleven_turbo_v2",
                            "base_url": "%s"}%s}}""".formatted(llm.baseUrl(), deepgram.baseUrl(), elevenlabs.baseUrl(), extra);
    }

    static String call(String assistantJson, String number, String variables) {
        Http.Response a = server.createAssistant(assistantJson);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json("{\"assistant_id\":\"" + a.json().at("/data/assistant_id").asText() + "\",\"to_number\":\"" + number
                        + "\",\"variables\":" + variables + "}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().at("/data/call_id").asText();
    }


    @Test
    void theSeedVendorsAssistantAnswersAQuestionWithAToolAndEndsTheCall() throws Exception {
        List<String> toolSignatures = new CopyOnWriteArrayList<>();
        List<String> toolBodies = new CopyOnWriteArrayList<>();
        HttpServer tool = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        tool.createContext("/hours", ex -> {
            toolBodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            toolSignatures.add(ex.getRequestHeaders().getFirst("Parley-Signature"));
            byte[] b = "{\"opens\": \"9:00\", \"closes\": \"17:00\"}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        });
        tool.start();
        String number = number();
        deepgram.transcripts("What time do you open?");
        llm.script(Script.toolCalls(Script.call("call_1", "opening_hours", "{\"day\": ", "\"tomorrow\"}")).usage(120, 12),
                new Script(200, Optional.empty(), List.of("We open ", "at nine. ", "See you then!"),
                        List.of(Script.call("call_2", "end_call", "{}")), 0, 0, -1, Optional.of(new int[] {160, 20}),
                        "fake-model"))
                .analysis("{\"summary\": \"Alex asked when Acme opens and heard nine.\","
                        + " \"structured_data\": {\"asked_hours\": true, \"day\": \"tomorrow\"}}");
        String tools = """
                , "tool_config": [{"type": "function", "name": "opening_hours", "description": "Opening hours for a day",
                   "parameters": {"type": "object", "properties": {"day": {"type": "string"}}, "required": ["day"]},
                   "url": "http://127.0.0.1:%d/hours", "timeout_seconds": 5}],
                  "structured_data": [{"name": "asked_hours", "type": "boolean", "description": "Did they ask for hours?"},
                                      {"name": "day", "type": "enum", "enum": ["today", "tomorrow"]}]"""
                .formatted(tool.getAddress().getPort());
        // The fake voice's espeak-ng run for the greeting, done ahead: a harness cost (a process start, slow
        // on a loaded machine) that is not the latency this test measures.
        FakeElevenLabs.audioFor("Hi Alex, can you make it tomorrow?");
        try (Baresip phone = phone(number, SpokenConversationTest.fixture("pause:3.5",
                "what time do you open", "pause:9"))) {
            String id = call(seedAssistant(tools), number, "{\"name\": \"Alex\"}");
            JsonNode done = DialerTest.await(server, id, c -> !c.get("ended_at").isNull(), "ended");
            assertThat(done.get("status").asText()).as(phone.log()).isEqualTo("completed");
            assertThat(done.get("ended_reason").asText()).isEqualTo("assistant-ended");
            assertThat(said(done, "assistant")).containsExactly("Hi Alex, can you make it tomorrow?", "We open at nine.",
                    "See you then!", "Thanks, goodbye!");
            assertThat(said(done, "caller")).containsExactly("What time do you open?");

            // The model saw the prompt with the variable filled, then what the caller said, with the key as a bearer.
            FakeChatCompletions.Request first = llm.requests().getFirst();
            assertThat(first.header("authorization")).contains("Bearer sk-test-openai");
            assertThat(first.messages().get(0).get("content").asText()).contains("You call Alex for Acme Dental");
            assertThat(first.messages().toString()).contains("What time do you open?");
            assertThat(first.toolNames()).contains("opening_hours", "end_call");
            // The tool was called once, signed like a webhook, and its answer went back to the model.
            assertThat(toolBodies).hasSize(1);
            assertThat(toolBodies.getFirst()).contains("\"tomorrow\"", id);
            assertThat(WebhookSignature.verify(toolSignatures.getFirst(), toolBodies.getFirst().getBytes(StandardCharsets.UTF_8),
                    signingSecret, System.currentTimeMillis() / 1000, 300)).as("the tool request is signed").isTrue();
            assertThat(llm.requests().get(1).messages().toString()).contains("17:00");
            // Deepgram heard the call with the workspace's key; ElevenLabs spoke with its own.
            FakeDeepgram.Connection listen = deepgram.connection(0, Duration.ofSeconds(1));
            assertThat(listen.authorization()).isEqualTo("Token dg-test-key");
            assertThat(listen.query("model")).isEqualTo("nova-2");
            assertThat(listen.query("sample_rate")).isEqualTo("8000");
            assertThat(elevenlabs.sessions()).isNotEmpty().allSatisfy(s -> assertThat(s.apiKey).isEqualTo("xi-test-key"));
            assertThat(elevenlabs.sessions().stream().flatMap(s -> s.texts().stream()).map(String::strip).toList())
                    .contains("Hi Alex, can you make it tomorrow?", "We open at nine.", "Thanks, goodbye!");

            // After the call: the analysis and what it cost, in GET and in the report.
            assertThat(done.get("summary").asText()).contains("nine");
            assertThat(done.get("structured_data")).isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"asked_hours\": true, \"day\": \"tomorrow\"}"));
            JsonNode usage = done.get("usage");
            assertThat(usage.get("llm_prompt_tokens").asLong()).isGreaterThanOrEqualTo(280);
            assertThat(usage.get("stt_seconds").asDouble()).as("the whole call streamed to Deepgram").isGreaterThan(5);
            assertThat(usage.get("tts_characters").asLong()).isGreaterThanOrEqualTo(
                    "Hi Alex, can you make it tomorrow?We open at nine.See you then!Thanks, goodbye!".length());
            JsonNode latency = done.get("latency");
            assertThat(latency.get(0).get("total_ms").asInt()).as("the greeting was synthesized while it rang").isLessThan(300);
            String logged = String.join("\n", log.lines().stream().map(CapturedLog::full).toList());
            assertThat(logged).as("keys never logged").doesNotContain("sk-test-openai", "dg-test-key", "xi-test-key");
        } finally {
            tool.stop(0);
        }
    }

    @Test
    void aModelThatFailsIsApologizedForAndTheCallEndsProviderError() throws Exception {
        String number = number();
        deepgram.transcripts("I have a question");
        llm.script(Script.status(500));
        try (Baresip phone = phone(number, SpokenConversationTest.fixture("pause:3.5",
                "I have a question", "pause:12"))) {
            String id = call(seedAssistant(""), number, "{\"name\": \"Sam\"}");
            JsonNode done = DialerTest.await(server, id, c -> !c.get("ended_at").isNull(), "ended");
            assertThat(done.get("status").asText()).as(phone.log()).isEqualTo("failed");
            assertThat(done.get("ended_reason").asText()).isEqualTo("provider-error");
            assertThat(said(done, "assistant")).contains(Conversation.APOLOGY);
            assertThat(llm.requests().stream().filter(r -> r.body().path("stream").asBoolean()))
                    .as("the reply was tried, and tried once more: a 500 may pass").hasSize(2);
            assertThat(done.get("history").toString()).as("the history names the provider").contains("openai");
        }
    }

    @Test
    void aFallbackModelAnswersWhenThePrimaryStalls() throws Exception {
        String number = number();
        deepgram.transcripts("Is parking free?");
        llm.script(Script.say("Never heard.").stallAfter(0));
        try (FakeChatCompletions fallback = FakeChatCompletions.start()) {
            fallback.script(new Script(200, Optional.empty(), List.of("Yes, parking is free."),
                    List.of(Script.call("c", "end_call", "{}")), 0, 0, -1, Optional.empty(), "fallback-model"));
            String withFallback = seedAssistant("").replace("\"base_url\": \"" + llm.baseUrl() + "\"}",
                    "\"base_url\": \"" + llm.baseUrl() + "\", \"fallbacks\": [{\"provider\": \"openai\", \"model\": \"llama3\","
                            + " \"base_url\": \"" + fallback.baseUrl() + "\"}]}");
            try (Baresip phone = phone(number, SpokenConversationTest.fixture("pause:3.5",
                    "is parking free", "pause:10"))) {
                String id = call(withFallback, number, "{\"name\": \"Kim\"}");
                JsonNode done = DialerTest.await(server, id, c -> !c.get("ended_at").isNull(), "ended");
                assertThat(done.get("ended_reason").asText()).as(phone.log()).isEqualTo("assistant-ended");
                assertThat(said(done, "assistant")).contains("Yes, parking is free.");
                assertThat(llm.requests().getFirst().ended().get().name()).as("the stalled stream was given up")
                        .isEqualTo("CLIENT_CLOSED");
                assertThat(fallback.requests().getFirst().body().get("model").asText()).isEqualTo("llama3");
                assertThat(fallback.requests().getFirst().header("authorization"))
                        .as("the OpenAI key is scoped to the primary's server, not this one").isEmpty();
                assertThat(llm.requests().getFirst().header("authorization")).contains("Bearer sk-test-openai");
                JsonNode answer = done.get("latency").get(1);
                assertThat(answer.get("total_ms").asInt()).as("no dead air over 3 s after the caller's last word, endpointing"
                        + " included").isLessThan(3_000 + 1_000);
            }
        }
    }

    @Test
    void speakingOverAStreamingReplyCancelsItAndTheHistoryKeepsWhatWasHeard() throws Exception {
        String number = number();
        deepgram.transcripts("tell me about the clinic", "stop please");
        String longReply = "Our clinic has served the town for thirty years, with four dentists, two hygienists, "
                + "a children's corner, late opening on Thursdays, and free parking behind the building for everyone.";
        llm.script(Script.sayWords(longReply).chunkDelayMs(60),
                new Script(200, Optional.empty(), List.of("Of course."), List.of(Script.call("c", "end_call", "{}")), 0, 0,
                        -1, Optional.empty(), "fake-model"));
        elevenlabs.pace(1.0); // audio no faster than real time, as a real voice streams it
        try (Baresip phone = phone(number, SpokenConversationTest.fixture("pause:3.5",
                "tell me about the clinic", "pause:2.5", "stop please", "pause:8"))) {
            String id = call(seedAssistant(""), number, "{\"name\": \"Lee\"}");
            JsonNode done = DialerTest.await(server, id, c -> !c.get("ended_at").isNull(), "ended");
            assertThat(done.get("ended_reason").asText()).as(phone.log()).isEqualTo("assistant-ended");
            JsonNode cut = null;
            for (JsonNode t : done.get("transcript")) {
                if (t.get("interrupted").asBoolean()) {
                    cut = t;
                }
            }
            assertThat(cut).as("the reply was cut: " + done.get("transcript")).isNotNull();
            assertThat(longReply).startsWith(cut.get("text").asText().isEmpty() ? "" : cut.get("text").asText().split(" ")[0]);
            assertThat(cut.get("text").asText().length()).isLessThan(longReply.length() / 2);
            // The second request's history holds the cut reply as heard, marked, not the whole of it.
            String history = llm.requests().get(1).messages().toString();
            assertThat(history).contains("interrupted").doesNotContain("free parking behind the building");
            assertThat(said(done, "caller")).containsExactly("tell me about the clinic", "stop please");
        }
    }
}
