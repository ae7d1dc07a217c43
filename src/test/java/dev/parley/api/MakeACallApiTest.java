package dev.parley.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/admin/assistant/call} against the seed's documented contract. */
@Tag("db")
class MakeACallApiTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass();

    @Test
    void theSeedsRequestGetsTheSeedsSuccessBodyFieldForField() {
        Http.Response r = server.http.request("POST", "/v1/admin/assistant/call")
                .header("workspace", server.tenancy.workspaceId())
                .header("organization", server.tenancy.organizationId())
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + server.tenancy.apiKey().orElseThrow())
                .json("{\n\"assistant_id\": \"" + server.tenancy.assistantId() + "\",\n\"to_number\": \"+919723067241\"\n}")
                .send();

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        JsonNode body = r.json();
        assertThat(fieldNames(body)).containsExactly("success", "message", "data");
        assertThat(body.get("success").asBoolean()).isTrue();
        assertThat(body.get("message").asText()).isEqualTo("Call initiated successfully");
        JsonNode data = body.get("data");
        assertThat(fieldNames(data)).containsExactly("call_id", "status", "assistant_id", "to_number");
        assertThat(data.get("call_id").asText()).matches("c_[0-9a-f]{24}");
        assertThat(data.get("status").asText()).isEqualTo("queued");
        assertThat(data.get("assistant_id").asText()).isEqualTo(server.tenancy.assistantId());
        assertThat(data.get("to_number").asText()).isEqualTo("+919723067241");
    }

    @Test
    void anAcceptedCallIsStoredWithItsFirstEventAndADialJob() {
        String callId = server.createCall("+14155550100").json().at("/data/call_id").asText();

        assertThat(server.count("SELECT count(*) FROM calls WHERE id = '" + callId + "' AND status = 'queued'")).isEqualTo(1);
        assertThat(server.count("SELECT count(*) FROM call_events WHERE call_id = '" + callId + "'")).isEqualTo(1);
        assertThat(server.count("SELECT count(*) FROM dial_jobs WHERE call_id = '" + callId + "'")).isEqualTo(1);

        JsonNode call = server.http.request("GET", "/v1/admin/assistant/call/" + callId).headers(server.auth()).send().json();
        assertThat(call.at("/data/status").asText()).isEqualTo("queued");
        assertThat(call.at("/data/history/0/status").asText()).isEqualTo("queued");
        assertThat(call.at("/data/history/0/at").asText()).isNotBlank();
    }

    @Test
    void optionalFieldsAreAcceptedAndKept() {
        Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json("""
                        {"assistant_id": "%s", "to_number": "+442071838750", "from_number": "+14155550199",
                         "variables": {"name": "Zoë", "slot": "9:30"}, "metadata": {"crm_id": 42, "tags": ["a"]},
                         "webhook_url": "https://example.com/hooks/parley"}""".formatted(server.tenancy.assistantId()))
                .send();
        assertThat(r.status()).isEqualTo(200);
        String id = r.json().at("/data/call_id").asText();

        JsonNode call = server.http.request("GET", "/v1/admin/assistant/call/" + id).headers(server.auth()).send().json().get("data");
        assertThat(call.get("from_number").asText()).isEqualTo("+14155550199");
        assertThat(call.at("/variables/name").asText()).isEqualTo("Zoë");
        assertThat(call.at("/metadata/crm_id").asInt()).isEqualTo(42);
        assertThat(call.get("webhook_url").asText()).isEqualTo("https://example.com/hooks/parley");
        assertThat(call.get("ended_reason").isNull()).isTrue();
        assertThat(call.get("duration_seconds").isNull()).isTrue();
    }

    @Test
    void missingToNumberIs400AndSaysWhatToSend() {
        Http.Response r = call("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\"}");
        assertError(r, 400, "invalid_request");
        assertThat(r.json().at("/error/field").asText()).isEqualTo("to_number");
        assertThat(r.message()).contains("to_number").contains("E.164");
    }

    @Test
    void nonE164NumbersAre400WithTheE164FormSuggested() {
        for (String bad : List.of("9723067241", "+91 97230 67241", "+1-415-555-0123", "0044 20 7183 8750", "+0123456789",
                "+1415", "+123456789012345678", "tel:+14155550123", "")) {
            Http.Response r = call("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"" + bad + "\"}");
            assertError(r, 400, "invalid_request");
            assertThat(r.json().at("/error/field").asText()).as(bad).isEqualTo("to_number");
        }
        Http.Response spaced = call("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"+91 97230 67241\"}");
        assertThat(spaced.message()).contains("+919723067241");
    }

    @Test
    void malformedAssistantIdIs400AndAnUnknownOneIs404() {
        assertError(call("{\"assistant_id\":\"nope\",\"to_number\":\"+14155550123\"}"), 400, "invalid_request");
        assertError(call("{\"to_number\":\"+14155550123\"}"), 400, "invalid_request");
        Http.Response unknown = call("{\"assistant_id\":\"aaaaaaaaaaaaaaaaaaaaaaaa\",\"to_number\":\"+14155550123\"}");
        assertError(unknown, 404, "assistant_not_found");
        assertThat(unknown.message()).contains("aaaaaaaaaaaaaaaaaaaaaaaa");
    }

    @Test
    void aDeletedAssistantCannotCall() {
        String id = server.createAssistant("{\"name\":\"temp\",\"config\":{}}").json().at("/data/assistant_id").asText();
        assertThat(server.http.request("DELETE", "/v1/admin/assistant/" + id).headers(server.auth()).send().status()).isEqualTo(200);
        assertError(call("{\"assistant_id\":\"" + id + "\",\"to_number\":\"+14155550123\"}"), 404, "assistant_not_found");
    }

    @Test
    void aDisabledAssistantIsRefusedWith409UntilEnabledAgain() {
        String id = server.createAssistant("{\"name\":\"paused\",\"config\":{}}").json().at("/data/assistant_id").asText();
        patch(id, "{\"enabled\": false}");
        Http.Response refused = call("{\"assistant_id\":\"" + id + "\",\"to_number\":\"+14155550123\"}");
        assertError(refused, 409, "assistant_disabled");
        assertThat(refused.message()).contains("disabled").contains("enabled");
        long before = server.count("SELECT count(*) FROM calls WHERE assistant_id = '" + id + "'");
        assertThat(before).isZero();

        patch(id, "{\"enabled\": true}");
        assertThat(call("{\"assistant_id\":\"" + id + "\",\"to_number\":\"+14155550123\"}").status()).isEqualTo(200);
    }

    @Test
    void missingOrWrongHeadersAre401() {
        Map<String, String> good = server.auth();
        String body = "{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"+14155550123\"}";
        for (String header : List.of("workspace", "organization", "Authorization")) {
            Map<String, String> headers = new HashMap<>(good);
            headers.remove(header);
            Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(headers).json(body).send();
            assertError(r, 401, "unauthorized");
            assertThat(r.message()).as("missing " + header).containsIgnoringCase(header);
        }
        for (var wrong : List.of(
                Map.of("Authorization", "Bearer prl_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                Map.of("Authorization", "Bearer not-a-key"),
                Map.of("Authorization", "Basic dXNlcjpwYXNz"),
                Map.of("Authorization", good.get("Authorization") + "x"),
                Map.of("workspace", "bbbbbbbbbbbbbbbbbbbbbbbb"),
                Map.of("workspace", "<script>"),
                Map.of("organization", "cccccccccccccccccccccccc"))) {
            Map<String, String> headers = new HashMap<>(good);
            headers.putAll(wrong);
            Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(headers).json(body).send();
            assertError(r, 401, "unauthorized");
        }
        assertThat(server.count("SELECT count(*) FROM calls WHERE to_number = '+14155550123' AND status <> 'queued'")).isZero();
    }

    @Test
    void wrongContentTypeIs415() {
        Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .header("Content-Type", "text/plain")
                .body(("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"+14155550123\"}").getBytes())
                .send();
        assertError(r, 415, "unsupported_media_type");
        assertThat(r.message()).contains("application/json");
    }

    @Test
    void jsonWithACharsetIsFine() {
        Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .header("Content-Type", "application/json; charset=utf-8")
                .json("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"+14155550123\"}").send();
        assertThat(r.status()).isEqualTo(200);
    }

    @Test
    void bodiesOver64KiBAre413() {
        String big = "{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"+14155550123\",\"metadata\":{\"x\":\""
                + "a".repeat(70 * 1024) + "\"}}";
        assertError(server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth()).json(big).send(),
                413, "payload_too_large");
    }

    @Test
    void malformedJsonIs400() {
        for (String bad : List.of("{", "{\"assistant_id\": }", "[1,2]", "null", "\"text\"", "{} {}",
                "{\"to_number\":\"+14155550123\",\"to_number\":\"+14155550124\"}", "")) {
            Http.Response r = call(bad);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.json().get("success").asBoolean()).isFalse();
        }
    }

    @Test
    void webhookUrlsThatReachInsideTheNetworkAre400() {
        for (String url : List.of("https://169.254.169.254/latest/meta-data", "https://10.0.0.5/hook", "http://127.0.0.1:9000/hook",
                "https://localhost/hook", "http://example.com/hook")) {
            Http.Response r = call("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"+14155550123\","
                    + "\"webhook_url\":\"" + url + "\"}");
            assertError(r, 400, "invalid_request");
            assertThat(r.json().at("/error/field").asText()).as(url).isEqualTo("webhook_url");
        }
        Http.Response assistant = server.createAssistant("{\"name\":\"x\",\"config\":{\"webhook_url\":\"https://192.168.1.1/h\"}}");
        assertError(assistant, 400, "invalid_request");
        assertThat(assistant.json().at("/error/field").asText()).isEqualTo("config.webhook_url");
    }

    @Test
    void unknownRoutesAndMethodsGetEnvelopes() {
        Http.Response notFound = server.http.request("GET", "/v1/admin/nothing-here").send();
        assertError(notFound, 404, "route_not_found");
        Http.Response wrongMethod = server.http.request("PUT", "/v1/admin/assistant/call").headers(server.auth()).send();
        assertError(wrongMethod, 405, "method_not_allowed");
    }

    private static Http.Response call(String body) {
        return server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth()).json(body).send();
    }

    private static void patch(String id, String body) {
        Http.Response r = server.http.request("PATCH", "/v1/admin/assistant/" + id).headers(server.auth()).json(body).send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    static void assertError(Http.Response r, int status, String code) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        JsonNode body = r.json();
        assertThat(body.get("success").asBoolean()).isFalse();
        assertThat(body.get("message").asText()).isNotBlank().doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(body.at("/error/code").asText()).isEqualTo(code);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        Iterator<String> it = node.fieldNames();
        it.forEachRemaining(names::add);
        return names;
    }
}
