package dev.parley.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.ai.ProviderKeys;
import dev.parley.ai.Usage;
import dev.parley.api.Json;
import dev.parley.assistant.AssistantStore;
import dev.parley.call.CallAnalysis;
import dev.parley.call.CallStatus;
import dev.parley.call.EndReason;
import dev.parley.call.TranscriptStore;
import dev.parley.call.TranscriptTurn;
import dev.parley.config.ConfigLoader;
import dev.parley.support.FakeChatAnalysis;
import dev.parley.support.TestServer;
import dev.parley.support.WebhookReceiver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A finished call's analysis, asked of a loopback Chat Completions server that speaks OpenAI's
 * wire format, with the assistants and transcripts in a real database.
 */
@Tag("db")
class CallAnalystTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass(Map.of(ConfigLoader.WEBHOOK_ALLOWED_HOSTS, "127.0.0.1",
            ConfigLoader.PROVIDERS_ALLOWED_HOSTS, "127.0.0.1"));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FIELDS = """
            [{"name": "confirmed", "type": "boolean", "description": "Whether the caller confirmed the appointment"},
             {"name": "callback_time", "type": "string"},
             {"name": "budget", "type": "number"},
             {"name": "mood", "type": "enum", "enum": ["happy", "neutral", "angry"]}]""";

    private static CallAnalyst analyst(ProviderKeys keys, Duration limit) {
        var jdbi = server.app.database().jdbi();
        var urls = new dev.parley.ai.BaseUrlPolicy(dev.parley.config.ConfigLoader.of(
                Map.of(dev.parley.config.ConfigLoader.PROVIDERS_ALLOWED_HOSTS, "127.0.0.1")).providers());
        return new CallAnalyst(new AssistantStore(jdbi, Json.mapper()), new TranscriptStore(jdbi),
                new dev.parley.ai.Endpoints(keys, urls), limit);
    }

    private static String assistant(String model) {
        return server.createAssistant("{\"name\": \"analyzed\", \"config\": {\"system_prompt\": \"You book dental check-ups.\","
                + " \"model\": " + model + ", \"structured_data\": " + FIELDS + "}}").json().at("/data/assistant_id").asText();
    }

    private static String openai(FakeChatAnalysis fake) {
        return assistant("{\"provider\": \"openai\", \"model\": \"gpt-4o-mini\", \"base_url\": \"" + fake.baseUrl() + "\"}");
    }

    /** A call of the assistant, with what was said stored as the conversation stores it. */
    private static String call(String assistantId, String webhookUrl, String... lines) {
        String id = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json("{\"assistant_id\":\"" + assistantId + "\",\"to_number\":\"+14155550123\""
                        + (webhookUrl == null ? "" : ",\"webhook_url\":\"" + webhookUrl + "\"") + "}")
                .send().json().at("/data/call_id").asText();
        var transcripts = new TranscriptStore(server.app.database().jdbi());
        for (int i = 0; i < lines.length; i++) {
            transcripts.append(id, new TranscriptTurn(i, i % 2 == 0 ? "assistant" : "caller", lines[i], i * 2000L,
                    i * 2000L + 1500, false, null, null));
        }
        return id;
    }

    private static String bookedCall(String assistantId, String webhookUrl) {
        return call(assistantId, webhookUrl, "Hello, this is Bright Smile Dental. Shall we book your check-up?",
                "Yes please, but call me back Tuesday at 3 pm.", "Of course. Goodbye!");
    }

    private static CallAnalysis analyze(CallAnalyst analyst, String callId, String assistantId, Usage usage) {
        return analyst.analyze(callId, server.tenancy.workspaceId(), assistantId, usage);
    }

    @Test
    void theModelGetsTheTranscriptAndASchemaOfTheFieldsAndOnlyValuesOfTheDeclaredTypesAreKept() throws Exception {
        try (FakeChatAnalysis fake = new FakeChatAnalysis()) {
            fake.answer("""
                    {"summary": "The caller agreed to a check-up and asked for a call back on Tuesday at 3 pm.",
                     "structured_data": {"confirmed": "yes", "callback_time": "Tuesday at 3 pm", "budget": "a lot",
                                         "mood": "Happy", "invented": 1}}""").tokens(200, 40);
            String assistantId = openai(fake);
            String id = bookedCall(assistantId, null);
            Usage usage = new Usage();
            usage.llmTokens(1000, 100); // what the conversation itself used
            usage.ttsText(64);

            CallAnalysis a = analyze(analyst(ProviderKeys.NONE, Duration.ofSeconds(10)), id, assistantId, usage);

            assertThat(a.summary()).hasValue("The caller agreed to a check-up and asked for a call back on Tuesday at 3 pm.");
            assertThat(a.structuredData().orElseThrow()).isEqualTo(JSON.readTree("""
                    {"confirmed": null, "callback_time": "Tuesday at 3 pm", "budget": null, "mood": "happy"}"""));
            assertThat(a.usage()).as("the analysis's tokens count as the call's")
                    .isEqualTo(new Usage.Snapshot(1200, 140, 0, 64));

            FakeChatAnalysis.Request r = fake.requests().getFirst();
            assertThat(r.authorization()).as("a local server without a key gets no Authorization").isNull();
            assertThat(r.body().get("model").asText()).isEqualTo("gpt-4o-mini");
            assertThat(r.body().has("stream")).isFalse();
            assertThat(r.responseFormat()).isEqualTo("json_schema");
            JsonNode schema = r.body().at("/response_format/json_schema/schema");
            assertThat(r.body().at("/response_format/json_schema/strict").asBoolean()).isTrue();
            JsonNode values = schema.at("/properties/structured_data");
            assertThat(values.get("required")).extracting(JsonNode::asText)
                    .containsExactly("confirmed", "callback_time", "budget", "mood");
            assertThat(values.get("additionalProperties").asBoolean()).isFalse();
            assertThat(values.at("/properties/confirmed/type").toString()).isEqualTo("[\"boolean\",\"null\"]");
            assertThat(values.at("/properties/confirmed/description").asText()).isEqualTo("Whether the caller confirmed the appointment");
            assertThat(values.at("/properties/budget/type").toString()).isEqualTo("[\"number\",\"null\"]");
            assertThat(values.at("/properties/mood/enum").toString()).isEqualTo("[\"happy\",\"neutral\",\"angry\",null]");
            JsonNode messages = r.body().get("messages");
            assertThat(messages.get(0).get("role").asText()).isEqualTo("system");
            assertThat(messages.get(0).get("content").asText()).contains("You book dental check-ups.", "mood (one of: \"happy\"");
            assertThat(messages.get(1).get("role").asText()).isEqualTo("user");
            assertThat(messages.get(1).get("content").asText())
                    .contains("Assistant: Hello, this is Bright Smile Dental.", "Caller: Yes please, but call me back Tuesday at 3 pm.");
        }
    }

    /**
     * With the node's real key store: the workspace's OpenAI key is for OpenAI's own service, so
     * a {@code base_url} naming another server (here one that records what it gets) never sees it;
     * set with that {@code base_url} instead, it is sent there.
     */
    @Test
    void onlyAKeyScopedToTheServerIsSentToIt() {
        try (FakeChatAnalysis fake = new FakeChatAnalysis(); FakeChatAnalysis other = new FakeChatAnalysis()) {
            fake.answer("{\"summary\": \"Booked.\", \"structured_data\": {}}");
            other.answer("{\"summary\": \"Booked.\", \"structured_data\": {}}");
            String assistantId = openai(fake);
            CallAnalyst analyst = analyst(server.app.providerKeys(), Duration.ofSeconds(10));

            putOpenAiKey("{\"api_key\": \"sk-test-unscoped\"}");
            assertThat(analyze(analyst, bookedCall(assistantId, null), assistantId, new Usage()).summary()).contains("Booked.");
            assertThat(fake.requests().getFirst().authorization()).as("the key is OpenAI's, not this server's").isNull();

            putOpenAiKey("{\"api_key\": \"sk-test-analysis\", \"base_url\": \"" + fake.baseUrl() + "\"}");
            analyze(analyst, bookedCall(assistantId, null), assistantId, new Usage());
            assertThat(fake.requests().getLast().authorization()).isEqualTo("Bearer sk-test-analysis");

            // Another port on the same host is another server.
            String elsewhere = openai(other);
            analyze(analyst, bookedCall(elsewhere, null), elsewhere, new Usage());
            assertThat(other.requests().getFirst().authorization()).isNull();
        } finally {
            server.http.request("DELETE", "/v1/admin/credentials/openai").headers(server.auth()).send();
        }
    }

    private static void putOpenAiKey(String body) {
        var r = server.http.request("PUT", "/v1/admin/credentials/openai").headers(server.auth()).json(body).send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @Test
    void aServerWithoutStructuredOutputsIsAskedAgainInJsonModeAndAFencedAnswerIsRead() {
        try (FakeChatAnalysis fake = new FakeChatAnalysis()) {
            fake.refuseJsonSchema().answer("""
                    ```json
                    {"summary": "Booked for Tuesday.", "structured_data": {"confirmed": true, "budget": 120.5, "mood": "grumpy"}}
                    ```""");
            String assistantId = openai(fake);
            String id = bookedCall(assistantId, null);
            CallAnalysis a = analyze(analyst(ProviderKeys.NONE, Duration.ofSeconds(10)), id, assistantId, new Usage());
            assertThat(fake.requests()).extracting(FakeChatAnalysis.Request::responseFormat).containsExactly("json_schema", "json_object");
            assertThat(a.summary()).hasValue("Booked for Tuesday.");
            JsonNode values = a.structuredData().orElseThrow();
            assertThat(values.get("confirmed").asBoolean()).isTrue();
            assertThat(values.get("budget").asDouble()).isEqualTo(120.5);
            assertThat(values.get("mood").isNull()).as("not one of the enum's values").isTrue();
            assertThat(values.get("callback_time").isNull()).as("left out by the model").isTrue();
        }
    }

    @Test
    void whenTheModelFailsItsFallbackIsAsked() {
        try (FakeChatAnalysis broken = new FakeChatAnalysis(); FakeChatAnalysis spare = new FakeChatAnalysis()) {
            broken.failWith(503);
            spare.answer("{\"summary\": \"Booked.\", \"structured_data\": {\"confirmed\": true}}");
            String assistantId = assistant("{\"provider\": \"openai\", \"model\": \"big\", \"base_url\": \"" + broken.baseUrl()
                    + "\", \"fallbacks\": [{\"provider\": \"openai\", \"model\": \"small\", \"base_url\": \"" + spare.baseUrl() + "\"}]}");
            String id = bookedCall(assistantId, null);
            CallAnalysis a = analyze(analyst(ProviderKeys.NONE, Duration.ofSeconds(10)), id, assistantId, new Usage());
            assertThat(broken.requests()).hasSize(1);
            assertThat(spare.requests().getFirst().body().get("model").asText()).isEqualTo("small");
            assertThat(a.structuredData().orElseThrow().get("confirmed").asBoolean()).isTrue();
        }
    }

    @Test
    void aModelThatAnswersTooLateLeavesTheAnalysisEmptyAtTheLimit() {
        try (FakeChatAnalysis fake = new FakeChatAnalysis()) {
            fake.delay(Duration.ofSeconds(5)).answer("{\"summary\": \"Too late.\", \"structured_data\": {}}");
            String assistantId = openai(fake);
            String id = bookedCall(assistantId, null);
            long start = System.nanoTime();
            CallAnalysis a = analyze(analyst(ProviderKeys.NONE, Duration.ofMillis(500)), id, assistantId, new Usage());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).isLessThan(Duration.ofMillis(2_000));
            assertThat(a.summary()).isEmpty();
            assertThat(a.structuredData()).isEmpty();
            assertThat(a.usage()).isEqualTo(CallAnalysis.NO_USAGE);
        }
    }

    @Test
    void anAnswerThatIsNotJsonLeavesTheAnalysisEmpty() {
        try (FakeChatAnalysis fake = new FakeChatAnalysis()) {
            fake.answer("I'm sorry, I can't help with that.");
            String assistantId = openai(fake);
            String id = bookedCall(assistantId, null);
            CallAnalysis a = analyze(analyst(ProviderKeys.NONE, Duration.ofSeconds(10)), id, assistantId, new Usage());
            assertThat(fake.requests()).hasSize(1);
            assertThat(a.summary()).isEmpty();
            assertThat(a.structuredData()).isEmpty();
            assertThat(a.usage().llmPromptTokens()).as("the tokens were spent all the same").isEqualTo(120);
        }
    }

    @Test
    void flowAssistantsAndCallsWithNothingSaidAreNotAnalyzed() {
        try (FakeChatAnalysis fake = new FakeChatAnalysis()) {
            CallAnalyst analyst = analyst(ProviderKeys.NONE, Duration.ofSeconds(10));
            String flow = server.tenancy.assistantId();
            CallAnalysis offline = analyze(analyst, bookedCall(flow, null), flow, new Usage());
            assertThat(offline.summary()).isEmpty();
            assertThat(offline.structuredData()).isEmpty();

            String assistantId = openai(fake);
            CallAnalysis silent = analyze(analyst, call(assistantId, null), assistantId, new Usage());
            assertThat(silent.summary()).isEmpty();
            assertThat(fake.requests()).isEmpty();
        }
    }

    /** What PlacedCall does at the end, step by step; what a user sees comes over HTTP. */
    @Test
    void theReportAndTheCallCarryTheSummaryTheStructuredDataAndTheUsage() throws Exception {
        try (FakeChatAnalysis fake = new FakeChatAnalysis(); WebhookReceiver receiver = new WebhookReceiver()) {
            fake.answer("""
                    {"summary": "The caller booked a check-up.", "structured_data": {"confirmed": true,
                     "callback_time": "Tuesday at 3 pm", "budget": 80, "mood": "neutral"}}""").tokens(300, 50);
            String assistantId = openai(fake);
            String id = bookedCall(assistantId, receiver.url());
            var t = server.app.transitions();
            t.move(id, CallStatus.RINGING, "180 Ringing");
            t.move(id, CallStatus.IN_PROGRESS, "200 OK");
            Usage usage = new Usage();
            usage.llmTokens(900, 90);
            usage.sttAudio(12_500);
            usage.ttsText(210);
            CallAnalysis analysis = analyze(analyst(ProviderKeys.NONE, Duration.ofSeconds(10)), id, assistantId, usage);
            assertThat(t.end(id, EndReason.CALLEE_ENDED, null, "callee hung up", analysis)).isPresent();

            JsonNode report = receiver.awaitEvent("call.report", Duration.ofSeconds(10)).json().get("data");
            JsonNode call = server.http.request("GET", "/v1/admin/assistant/call/" + id).headers(server.auth()).send().json().get("data");
            for (JsonNode seen : List.of(report, call)) {
                assertThat(seen.get("summary").asText()).isEqualTo("The caller booked a check-up.");
                assertThat(seen.get("structured_data")).isEqualTo(JSON.readTree("""
                        {"confirmed": true, "callback_time": "Tuesday at 3 pm", "budget": 80, "mood": "neutral"}"""));
                assertThat(seen.get("usage")).isEqualTo(JSON.readTree("""
                        {"llm_prompt_tokens": 1200, "llm_completion_tokens": 140, "stt_seconds": 12.5, "tts_characters": 210}"""));
            }
            JsonNode ended = receiver.awaitEvent("call.ended", Duration.ofSeconds(10)).json().get("data");
            assertThat(ended.has("summary")).as("status events stay as they were").isFalse();
        }
    }

    @Test
    void aCallNobodyAnalyzedShowsNullsAndZeroUsage() throws Exception {
        String flow = server.tenancy.assistantId();
        String id = bookedCall(flow, null);
        JsonNode queued = server.http.request("GET", "/v1/admin/assistant/call/" + id).headers(server.auth()).send().json().get("data");
        assertThat(queued.get("summary").isNull()).isTrue();
        assertThat(queued.get("structured_data").isNull()).isTrue();
        server.app.transitions().move(id, CallStatus.IN_PROGRESS, "200 OK");
        server.app.transitions().end(id, EndReason.CALLEE_ENDED, null, "callee hung up");
        JsonNode call = server.http.request("GET", "/v1/admin/assistant/call/" + id).headers(server.auth()).send().json().get("data");
        assertThat(call.get("summary").isNull()).isTrue();
        assertThat(call.get("structured_data").isNull()).isTrue();
        assertThat(call.get("usage")).isEqualTo(JSON.readTree("""
                {"llm_prompt_tokens": 0, "llm_completion_tokens": 0, "stt_seconds": 0.0, "tts_characters": 0}"""));
    }
}
