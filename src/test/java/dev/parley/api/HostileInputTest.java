package dev.parley.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Wrong types, nulls, huge strings, odd unicode and injection attempts: each gets a 4xx envelope,
 * never a 5xx, and none creates anything.
 */
@Tag("db")
class HostileInputTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass();

    static Stream<String> callBodies() {
        String a = "\"" + "a".repeat(24) + "\"";
        List<String> fields = List.of("assistant_id", "to_number", "from_number", "variables", "metadata", "webhook_url");
        List<String> values = List.of("null", "1", "-1.5e308", "true", "[]", "{}", "\"\"", "\"" + "9".repeat(10_000) + "\"",
                "\"'; DROP TABLE calls; --\"", "\"\\u0000\"", "\"+1415555\\u00a00123\"", "\"\uD83D\uDCDE+14155550123\"",
                "\"\\ud800\"", "[\"+14155550123\"]", "{\"$ne\": null}", "\"%00\"", "\"<script>alert(1)</script>\"");
        List<String> bodies = new ArrayList<>();
        for (String field : fields) {
            for (String value : values) {
                String to = field.equals("to_number") ? value : "\"+14155550123\"";
                String assistant = field.equals("assistant_id") ? value : a;
                String extra = field.equals("to_number") || field.equals("assistant_id") ? "" : ",\"" + field + "\":" + value;
                bodies.add("{\"assistant_id\":" + assistant + ",\"to_number\":" + to + extra + "}");
            }
        }
        bodies.add("{\"assistant_id\":" + a + ",\"to_number\":\"+14155550123\",\"variables\":{\"1bad\":\"x\"}}");
        bodies.add("{\"assistant_id\":" + a + ",\"to_number\":\"+14155550123\",\"variables\":{\"name\":5}}");
        bodies.add("[".repeat(5000) + "]".repeat(5000));
        bodies.add("{\"a\":".repeat(200) + "1" + "}".repeat(200));
        bodies.add("\uFEFF{}");
        bodies.add("{\"assistant_id\":" + a + ",\"to_number\":\"+14155550123\",\"" + "k".repeat(30_000) + "\":1}");
        return bodies.stream();
    }

    @ParameterizedTest
    @MethodSource("callBodies")
    void hostileCallBodiesGet4xxEnvelopes(String body) {
        Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth()).json(body).send();
        assertThat(r.status()).as(body.length() > 200 ? body.substring(0, 200) : body).isBetween(400, 499);
        assertThat(r.json().get("success").asBoolean()).isFalse();
        assertThat(r.body()).doesNotContain("Exception").doesNotContain("org.");
        assertThat(server.count("SELECT count(*) FROM calls")).isZero();
    }

    static Stream<String> assistantBodies() {
        return Stream.of("{\"name\":null,\"config\":{}}", "{\"name\":\"" + "n".repeat(5000) + "\",\"config\":{}}",
                "{\"name\":\"x\",\"config\":{\"system_prompt\":\"" + "p".repeat(30_000) + "\"}}",
                "{\"name\":\"x\",\"config\":{\"model\":\"openai\"}}", "{\"name\":\"x\",\"config\":{\"model\":{\"provider\":null,\"x\":1}}}",
                "{\"name\":\"x\",\"config\":{\"voice\":{\"provider\":5}}}", "{\"name\":\"x\",\"config\":{\"max_duration_seconds\":1e100}}",
                "{\"name\":\"x\",\"config\":{\"max_duration_seconds\":12.5}}", "{\"name\":\"x\",\"config\":{\"metadata\":[1]}}",
                "{\"name\":\"x\",\"config\":{\"end_call_phrases\":\"bye\"}}", "{\"name\":\"x\",\"enabled\":\"yes\",\"config\":{}}",
                "{\"name\":\"x\",\"config\":{\"webhook_url\":\"http://\"}}", "{\"name\":\"x\",\"config\":{\"webhook_url\":\"javascript:alert(1)\"}}",
                "{\"name\":\"x\",\"config\":{\"first_speaker\":\"\\u0000\"}}");
    }

    @ParameterizedTest
    @MethodSource("assistantBodies")
    void hostileAssistantBodiesGet4xxEnvelopes(String body) {
        Http.Response r = server.createAssistant(body);
        assertThat(r.status()).as(body.length() > 200 ? body.substring(0, 200) : body).isEqualTo(400);
        assertThat(r.json().get("success").asBoolean()).isFalse();
    }

    static Stream<byte[]> rawBodies() {
        return Stream.of(new byte[] {(byte) 0xff, (byte) 0xfe, '{', '}'}, new byte[] {'{', '"', 'a', '"', ':', (byte) 0xc3, '}'},
                "{\"name\":\"\\uZZZZ\"}".getBytes(StandardCharsets.UTF_8), new byte[0]);
    }

    @ParameterizedTest
    @MethodSource("rawBodies")
    void invalidBytesAre400(byte[] raw) {
        Http.Response r = server.http.request("POST", "/v1/admin/assistant").headers(server.auth())
                .header("Content-Type", "application/json").body(raw).send();
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("success").asBoolean()).isFalse();
    }

    static Stream<String> paths() {
        return Stream.of("/v1/admin/assistant/%27%20OR%20%271%27=%271", "/v1/admin/assistant/..%2F..%2Fetc%2Fpasswd",
                "/v1/admin/assistant/call/%00", "/v1/admin/assistant/" + "a".repeat(5000), "/v1/admin/assistant/calls?limit=-1",
                "/v1/admin/assistant/calls?limit=99999999999999999999", "/v1/admin/assistant/calls?cursor=" + "A".repeat(3000));
    }

    @ParameterizedTest
    @MethodSource("paths")
    void hostilePathsAndQueriesGet4xx(String path) {
        Http.Response r = server.http.request("GET", path).headers(server.auth()).send();
        assertThat(r.status()).as(path).isBetween(400, 499);
        assertThat(r.json().get("success").asBoolean()).isFalse();
    }
}
