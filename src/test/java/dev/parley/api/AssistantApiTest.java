package dev.parley.api;

import static dev.parley.api.MakeACallApiTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

/** Create Assistant in the seed vendor's shape, and the rest of the assistant API. */
@Tag("db")
class AssistantApiTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass();

    @Test
    void theVendorsCreateAssistantBodyIsAcceptedUnchanged() {
        Http.Response r = server.createAssistant("""
                {
                  "name": "Appointment reminder",
                  "config": {
                    "system_prompt": "You remind patients of appointments.",
                    "end_message": "Thanks, goodbye!",
                    "tool_config": [{"type": "end_call"}],
                    "model": {"provider": "openai", "model": "gpt-4o-mini"},
                    "transcriber": {"provider": "deepgram", "model": "nova-2"},
                    "voice": {"provider": "elevenlabs", "voiceId": "abc123", "model": "eleven_turbo_v2"},
                    "structured_data": [{"name": "confirmed", "type": "boolean"}]
                  }
                }""");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("success").asBoolean()).isTrue();
        assertThat(r.message()).isEqualTo("Assistant created successfully");
        String id = r.json().at("/data/assistant_id").asText();
        assertThat(id).matches("[0-9a-f]{24}");

        JsonNode a = get(id).json().get("data");
        assertThat(a.get("name").asText()).isEqualTo("Appointment reminder");
        assertThat(a.get("enabled").asBoolean()).isTrue();
        assertThat(a.at("/config/model/provider").asText()).isEqualTo("openai");
        assertThat(a.at("/config/transcriber/model").asText()).isEqualTo("nova-2");
        assertThat(a.at("/config/voice/voiceId").asText()).isEqualTo("abc123");
        assertThat(a.at("/config/tool_config/0/type").asText()).isEqualTo("end_call");
        assertThat(a.at("/config/structured_data/0/name").asText()).isEqualTo("confirmed");
        assertThat(a.at("/config/end_message").asText()).isEqualTo("Thanks, goodbye!");
    }

    @Test
    void aNameAndAnEmptyConfigMakeAWorkingOfflineAssistant() {
        String id = server.createAssistant("{\"name\": \"x\", \"config\": {}}").json().at("/data/assistant_id").asText();
        JsonNode c = get(id).json().at("/data/config");
        assertThat(c.at("/model/provider").asText()).isEqualTo("flow");
        assertThat(c.at("/transcriber/provider").asText()).isEqualTo("sphinx");
        assertThat(c.at("/voice/provider").asText()).isEqualTo("freetts");
        assertThat(c.at("/voice/voiceId").asText()).isEqualTo("kevin");
        assertThat(c.get("first_speaker").asText()).isEqualTo("assistant");
        assertThat(c.get("first_message").asText()).isNotBlank();
        assertThat(c.get("end_message").asText()).isNotBlank();
        assertThat(c.get("language").asText()).isEqualTo("en-US");
        assertThat(c.get("max_duration_seconds").asInt()).isEqualTo(600);
        assertThat(c.get("end_call_phrases")).isNotEmpty();
    }

    @Test
    void parleysOwnSettingsAreKept() {
        String id = server.createAssistant("""
                {"name": "own", "config": {"first_message": "Hi {{name}}", "first_speaker": "callee", "language": "en-GB",
                 "max_duration_seconds": 120, "end_call_phrases": ["that's all"], "webhook_url": "https://example.com/h",
                 "metadata": {"team": "ops"}}}""").json().at("/data/assistant_id").asText();
        JsonNode c = get(id).json().at("/data/config");
        assertThat(c.get("first_message").asText()).isEqualTo("Hi {{name}}");
        assertThat(c.get("first_speaker").asText()).isEqualTo("callee");
        assertThat(c.get("language").asText()).isEqualTo("en-GB");
        assertThat(c.get("max_duration_seconds").asInt()).isEqualTo(120);
        assertThat(c.at("/end_call_phrases/0").asText()).isEqualTo("that's all");
        assertThat(c.get("webhook_url").asText()).isEqualTo("https://example.com/h");
        assertThat(c.at("/metadata/team").asText()).isEqualTo("ops");
    }

    @Test
    void unknownProvidersAre400ListingTheAllowedOnes() {
        record Case(String config, String field, List<String> allowed) {}
        for (Case c : List.of(
                new Case("{\"model\": {\"provider\": \"anthropic\"}}", "config.model.provider", List.of("flow", "openai")),
                new Case("{\"transcriber\": {\"provider\": \"whisper\"}}", "config.transcriber.provider", List.of("sphinx", "deepgram")),
                new Case("{\"voice\": {\"provider\": \"polly\"}}", "config.voice.provider", List.of("freetts", "elevenlabs", "openai")))) {
            Http.Response r = server.createAssistant("{\"name\": \"p\", \"config\": " + c.config() + "}");
            assertError(r, 400, "invalid_request");
            assertThat(r.json().at("/error/field").asText()).isEqualTo(c.field());
            assertThat(r.message()).contains(c.allowed());
        }
    }

    @Test
    void invalidFieldsAre400NamingTheField() {
        record Case(String body, String field) {}
        for (Case c : List.of(
                new Case("{\"config\": {}}", "name"),
                new Case("{\"name\": \"\", \"config\": {}}", "name"),
                new Case("{\"name\": 5, \"config\": {}}", "name"),
                new Case("{\"name\": \"x\", \"config\": []}", "config"),
                new Case("{\"name\": \"x\", \"config\": {\"fist_message\": \"typo\"}}", "config.fist_message"),
                new Case("{\"name\": \"x\", \"config\": {\"first_speaker\": \"nobody\"}}", "config.first_speaker"),
                new Case("{\"name\": \"x\", \"config\": {\"max_duration_seconds\": 0}}", "config.max_duration_seconds"),
                new Case("{\"name\": \"x\", \"config\": {\"max_duration_seconds\": 14401}}", "config.max_duration_seconds"),
                new Case("{\"name\": \"x\", \"config\": {\"max_duration_seconds\": \"60\"}}", "config.max_duration_seconds"),
                new Case("{\"name\": \"x\", \"config\": {\"language\": \"english please\"}}", "config.language"),
                new Case("{\"name\": \"x\", \"config\": {\"webhook_url\": \"ftp://x\"}}", "config.webhook_url"),
                new Case("{\"name\": \"x\", \"config\": {\"tool_config\": {}}}", "config.tool_config"),
                new Case("{\"name\": \"x\", \"config\": {\"end_call_phrases\": [1]}}", "config.end_call_phrases"),
                new Case("{\"name\": \"x\", \"config\": {\"voice\": {\"provider\": \"freetts\", \"speed\": 2}}}", "config.voice.speed"),
                new Case("{\"name\": \"x\", \"config\": {\"flow\": {}}}", "config.flow.steps"),
                new Case("{\"name\": \"x\", \"config\": {}, \"extra\": 1}", "extra"))) {
            Http.Response r = server.createAssistant(c.body());
            assertError(r, 400, "invalid_request");
            assertThat(r.json().at("/error/field").asText()).as(c.body()).isEqualTo(c.field());
        }
    }

    @Test
    void offlineEnginesRefuseAModelOrVoiceTheyDoNotHave() {
        record Case(String config, String field, String offered) {}
        for (Case c : List.of(
                new Case("{\"voice\": {\"voiceId\": \"alan\"}}", "config.voice.voiceId", "kevin"),
                new Case("{\"voice\": {\"provider\": \"freetts\", \"model\": \"kevin16\"}}", "config.voice.model", "kevin-8khz"),
                new Case("{\"transcriber\": {\"model\": \"en-gb\"}}", "config.transcriber.model", "en-us"),
                new Case("{\"model\": {\"provider\": \"flow\", \"model\": \"gpt-4o\"}}", "config.model.model", "default"))) {
            Http.Response r = server.createAssistant("{\"name\": \"o\", \"config\": " + c.config() + "}");
            assertError(r, 400, "invalid_request");
            assertThat(r.json().at("/error/field").asText()).as(c.config()).isEqualTo(c.field());
            assertThat(r.message()).contains("'" + c.offered() + "'", "Leave it out");
        }
        assertThat(server.createAssistant("{\"name\": \"o\", \"config\": {\"voice\": {\"voiceId\": \"kevin\"}}}").status())
                .as("the one it has").isEqualTo(200);
    }

    @Test
    void voicemailIsOffUntilAPatchTurnsItOnAndIsReturnedComplete() {
        String id = server.createAssistant("{\"name\": \"vm\"}").json().at("/data/assistant_id").asText();
        assertThat(get(id).json().at("/data/config/voicemail/detect").asBoolean()).isFalse();
        Http.Response r = server.http.request("PATCH", "/v1/admin/assistant/" + id).headers(server.auth())
                .json("{\"config\": {\"voicemail\": {\"detect\": true, \"action\": \"leave_message\", \"message\": \"Hi {{name}}, call us back.\"}}}")
                .send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(get(id).json().at("/data/config/voicemail").toString()).isEqualTo(
                "{\"detect\":true,\"action\":\"leave_message\",\"message\":\"Hi {{name}}, call us back.\",\"beep_wait_seconds\":30}");

        String other = server.createAssistant("{\"name\": \"vm2\"}").json().at("/data/assistant_id").asText();
        Http.Response bad = server.http.request("PATCH", "/v1/admin/assistant/" + other).headers(server.auth())
                .json("{\"config\": {\"voicemail\": {\"detect\": true, \"action\": \"leave_message\"}}}").send();
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().at("/error/field").asText()).isEqualTo("config.voicemail.message");
        assertThat(bad.json().get("message").asText()).contains("leave_message");
    }

    @Test
    void patchSwitchingAProviderStartsFromThatProvidersDefaults() {
        String id = server.createAssistant("""
                {"name": "v", "config": {"voice": {"provider": "elevenlabs", "voiceId": "abc123", "model": "eleven_turbo_v2"},
                 "transcriber": {"provider": "deepgram", "model": "nova-2"}}}""").json().at("/data/assistant_id").asText();
        Http.Response r = server.http.request("PATCH", "/v1/admin/assistant/" + id).headers(server.auth())
                .json("{\"config\": {\"voice\": {\"provider\": \"freetts\"}, \"transcriber\": {\"provider\": \"sphinx\"}}}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode c = get(id).json().at("/data/config");
        assertThat(c.at("/voice/voiceId").asText()).isEqualTo("kevin");
        assertThat(c.at("/voice/model").asText()).isEqualTo("kevin-8khz");
        assertThat(c.at("/transcriber/model").asText()).isEqualTo("en-us");

        r = server.http.request("PATCH", "/v1/admin/assistant/" + id).headers(server.auth())
                .json("{\"config\": {\"voice\": {\"provider\": \"openai\", \"voiceId\": \"nova\"}}}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        c = get(id).json().at("/data/config");
        assertThat(c.at("/voice/voiceId").asText()).as("given anew").isEqualTo("nova");
        assertThat(c.at("/voice/model").asText()).as("the new provider's default, not kevin-8khz").isEqualTo("gpt-4o-mini-tts");
    }

    @Test
    void patchMergesAndRevalidates() {
        String id = server.createAssistant("{\"name\": \"before\", \"config\": {\"voice\": {\"provider\": \"openai\", \"voiceId\": \"nova\"}}}")
                .json().at("/data/assistant_id").asText();
        Http.Response r = server.http.request("PATCH", "/v1/admin/assistant/" + id).headers(server.auth())
                .json("{\"name\": \"after\", \"config\": {\"voice\": {\"model\": \"tts-1\"}, \"first_message\": \"Hey\"}}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode a = get(id).json().get("data");
        assertThat(a.get("name").asText()).isEqualTo("after");
        assertThat(a.at("/config/voice/provider").asText()).isEqualTo("openai");
        assertThat(a.at("/config/voice/voiceId").asText()).isEqualTo("nova");
        assertThat(a.at("/config/voice/model").asText()).isEqualTo("tts-1");
        assertThat(a.at("/config/first_message").asText()).isEqualTo("Hey");

        Http.Response bad = server.http.request("PATCH", "/v1/admin/assistant/" + id).headers(server.auth())
                .json("{\"config\": {\"model\": {\"provider\": \"nope\"}}}").send();
        assertError(bad, 400, "invalid_request");
        assertThat(get(id).json().at("/data/config/model/provider").asText()).isEqualTo("flow");
    }

    @Test
    void listIsNewestFirstAndPagesWithACursor() {
        var other = TestServer.start();
        try {
            Set<String> created = new HashSet<>();
            created.add(other.tenancy.assistantId());
            for (int i = 0; i < 4; i++) {
                created.add(other.createAssistant("{\"name\": \"a" + i + "\", \"config\": {}}").json().at("/data/assistant_id").asText());
            }
            List<String> seen = new ArrayList<>();
            String cursor = null;
            int pages = 0;
            do {
                String q = "/v1/admin/assistant?limit=2" + (cursor == null ? "" : "&cursor=" + cursor);
                JsonNode data = other.http.request("GET", q).headers(other.auth()).send().json().get("data");
                data.get("items").forEach(item -> seen.add(item.get("assistant_id").asText()));
                cursor = data.get("next_cursor").isNull() ? null : data.get("next_cursor").asText();
                pages++;
            } while (cursor != null && pages < 10);
            assertThat(pages).isEqualTo(3);
            assertThat(seen).hasSize(5).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(created);
            assertThat(seen.get(0)).isNotEqualTo(other.tenancy.assistantId());
            assertThat(seen.get(4)).isEqualTo(other.tenancy.assistantId());
        } finally {
            other.close();
        }
    }

    @Test
    void badListParametersAre400() {
        assertError(server.http.request("GET", "/v1/admin/assistant?limit=0").headers(server.auth()).send(), 400, "invalid_request");
        assertError(server.http.request("GET", "/v1/admin/assistant?limit=abc").headers(server.auth()).send(), 400, "invalid_request");
        assertError(server.http.request("GET", "/v1/admin/assistant?cursor=%27%3B--").headers(server.auth()).send(), 400, "invalid_request");
    }

    @Test
    void deleteHidesTheAssistant() {
        String id = server.createAssistant("{\"name\": \"gone\", \"config\": {}}").json().at("/data/assistant_id").asText();
        assertThat(server.http.request("DELETE", "/v1/admin/assistant/" + id).headers(server.auth()).send().status()).isEqualTo(200);
        assertError(get(id), 404, "assistant_not_found");
        assertError(server.http.request("DELETE", "/v1/admin/assistant/" + id).headers(server.auth()).send(), 404, "assistant_not_found");
    }

    @Test
    void idsAreCheckedBeforeLookup() {
        assertError(get("not-an-id"), 400, "invalid_request");
        assertError(get("ffffffffffffffffffffffff"), 404, "assistant_not_found");
    }

    private static Http.Response get(String id) {
        return server.http.request("GET", "/v1/admin/assistant/" + id).headers(server.auth()).send();
    }
}
