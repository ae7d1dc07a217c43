package dev.parley.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An assistant's structured_data is checked when it is saved, and kept in one normalized shape. */
@Tag("db")
class StructuredDataApiTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Http.Response create(String fields) {
        return server.createAssistant("{\"name\": \"a\", \"config\": {\"structured_data\": " + fields + "}}");
    }

    record Bad(String fields, String field, String says) {}

    @Test
    void fieldsThatBreakTheRulesAreRefusedNamingTheField() {
        String ok = "{\"name\": \"confirmed\", \"type\": \"boolean\"}";
        String fifty = String.join(",", java.util.stream.IntStream.range(0, 51)
                .mapToObj(i -> "{\"name\": \"f" + i + "\", \"type\": \"string\"}").toList());
        for (Bad c : List.of(
                new Bad("{\"name\": \"x\"}", "config.structured_data", "must be an array"),
                new Bad("[" + ok + ", 3]", "config.structured_data[1]", "must be an object"),
                new Bad("[{\"type\": \"string\"}]", "config.structured_data[0].name", "is required"),
                new Bad("[{\"name\": \"call back\", \"type\": \"string\"}]", "config.structured_data[0].name", "letters, digits and _"),
                new Bad("[{\"name\": \"9lives\", \"type\": \"string\"}]", "config.structured_data[0].name", "must start with a letter"),
                new Bad("[" + ok + ", {\"name\": \"confirmed\", \"type\": \"string\"}]", "config.structured_data[1].name",
                        "repeats 'confirmed' of config.structured_data[0]"),
                new Bad("[{\"name\": \"a\"}]", "config.structured_data[0].type", "is required"),
                new Bad("[{\"name\": \"a\", \"type\": \"date\"}]", "config.structured_data[0].type",
                        "one of string, number, boolean, enum"),
                new Bad("[{\"name\": \"a\", \"type\": \"enum\"}]", "config.structured_data[0].enum", "is required for type enum"),
                new Bad("[" + ok + ", {\"name\": \"b\", \"type\": \"enum\", \"enum\": []}]", "config.structured_data[1].enum",
                        "non-empty array"),
                new Bad("[{\"name\": \"a\", \"type\": \"enum\", \"enum\": [\"yes\", 1]}]", "config.structured_data[0].enum",
                        "non-empty strings"),
                new Bad("[{\"name\": \"a\", \"type\": \"enum\", \"enum\": [\"yes\", \"yes\"]}]", "config.structured_data[0].enum",
                        "lists 'yes' twice"),
                new Bad("[{\"name\": \"a\", \"type\": \"string\", \"enum\": [\"x\"]}]", "config.structured_data[0].enum",
                        "only for fields of type enum"),
                new Bad("[{\"name\": \"a\", \"type\": \"string\", \"description\": 5}]", "config.structured_data[0].description",
                        "must be a string"),
                new Bad("[{\"name\": \"a\", \"type\": \"string\", \"format\": \"date\"}]", "config.structured_data[0].format",
                        "Unknown field"),
                new Bad("[" + fifty + "]", "config.structured_data", "the limit is 50"))) {
            Http.Response r = create(c.fields());
            assertThat(r.status()).as(c.fields()).isEqualTo(400);
            assertThat(r.json().at("/error/field").asText()).as(c.fields()).isEqualTo(c.field());
            assertThat(r.json().get("message").asText()).as(c.fields()).contains(c.says());
        }
    }

    @Test
    void validFieldsAreStoredNormalizedAndAPatchIsCheckedToo() throws Exception {
        Http.Response r = create("""
                [{"name": "confirmed", "type": "boolean", "description": null, "enum": null},
                 {"enum": ["happy", "angry"], "type": "enum", "name": "mood", "description": "How the caller sounded"},
                 {"name": "budget", "type": "number"}]""");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        String id = r.json().at("/data/assistant_id").asText();
        Http.Response got = server.http.request("GET", "/v1/admin/assistant/" + id).headers(server.auth()).send();
        assertThat(got.json().at("/data/config/structured_data")).isEqualTo(JSON.readTree("""
                [{"name": "confirmed", "type": "boolean"},
                 {"name": "mood", "type": "enum", "description": "How the caller sounded", "enum": ["happy", "angry"]},
                 {"name": "budget", "type": "number"}]"""));

        Http.Response patched = server.http.request("PATCH", "/v1/admin/assistant/" + id).headers(server.auth())
                .json("{\"config\": {\"structured_data\": [{\"name\": \"mood\", \"type\": \"enum\"}]}}").send();
        assertThat(patched.status()).isEqualTo(400);
        assertThat(patched.json().at("/error/field").asText()).isEqualTo("config.structured_data[0].enum");
    }
}
