package dev.parley.ai.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.assistant.AssistantConfigJson;
import dev.parley.error.Problem;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ToolConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<Tool> parse(String json) {
        try {
            List<JsonNode> entries = new ArrayList<>();
            JSON.readTree(json).forEach(entries::add);
            return ToolConfig.parse(entries, "config.tool_config");
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static String refusal(String json) {
        try {
            parse(json);
        } catch (Problem p) {
            return p.getMessage();
        }
        throw new AssertionError("accepted: " + json);
    }

    @Test
    void readsEachShapeWithDefaults() {
        var tools = parse("""
                [{"type": "function", "name": "lookup_order", "url": "https://tools.example.com/orders"},
                 {"type": "end_call"},
                 {"type": "transfer_call", "destinations": ["+14155550100", "sip:desk@example.com"]},
                 {"type": "send_dtmf"}]""");

        var f = (Tool.Function) tools.getFirst();
        assertThat(f.name()).isEqualTo("lookup_order");
        assertThat(f.url()).isEqualTo(URI.create("https://tools.example.com/orders"));
        assertThat(f.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(f.parameters().toString()).isEqualTo("{\"type\":\"object\",\"properties\":{}}");
        assertThat(tools.subList(1, 4)).containsExactly(new Tool.EndCall(),
                new Tool.TransferCall(List.of("+14155550100", "sip:desk@example.com")), new Tool.SendDtmf());
    }

    @Test
    void readsTheVendorsNestedFunctionServerAndDestinationObjects() {
        var tools = parse("""
                [{"type": "function",
                  "function": {"name": "book", "description": "Books a slot",
                               "parameters": {"type": "object", "properties": {"day": {"type": "string"}}}},
                  "server": {"url": "https://tools.example.com/book", "timeoutSeconds": 20}},
                 {"type": "transfer_call", "destinations": [{"type": "number", "number": "+14155550100"},
                                                            {"type": "sip", "sipUri": "sip:desk@example.com"}]}]""");

        var f = (Tool.Function) tools.getFirst();
        assertThat(f.description()).isEqualTo("Books a slot");
        assertThat(f.parameters().at("/properties/day/type").asText()).isEqualTo("string");
        assertThat(f.timeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(((Tool.TransferCall) tools.get(1)).destinations()).containsExactly("+14155550100", "sip:desk@example.com");
    }

    @Test
    void refusalsNameTheField() {
        assertThat(refusal("[{\"type\": \"function\", \"name\": \"x\", \"url\": \"ftp://a\"}]"))
                .contains("'config.tool_config[0].url'");
        assertThat(refusal("[{\"type\": \"end_call\"}, {\"type\": \"function\", \"name\": \"x\"}]"))
                .contains("'config.tool_config[1].url' is required");
        assertThat(refusal("[{\"type\": \"function\", \"name\": \"x\", \"url\": \"https://a.example\", \"timeout_seconds\": 61}]"))
                .contains("'config.tool_config[0].timeout_seconds' must be a whole number from 1 to 60");
        assertThat(refusal("[{\"type\": \"function\", \"name\": \"end_call\", \"url\": \"https://a.example\"}]"))
                .contains("'config.tool_config[0].name'").contains("built-in");
        assertThat(refusal("[{\"type\": \"function\", \"name\": \"x\", \"url\": \"https://a.example\","
                + " \"parameters\": {\"type\": \"string\"}}]")).contains("'config.tool_config[0].parameters'");
        assertThat(refusal("[{\"type\": \"transfer_call\", \"destinations\": [\"4155550100\"]}]"))
                .contains("'config.tool_config[0].destinations[0]'").contains("E.164");
        assertThat(refusal("[{\"type\": \"transfer_call\"}]")).contains("'config.tool_config[0].destinations'");
        assertThat(refusal("[{\"type\": \"sms\"}]")).contains("'config.tool_config[0].type' must be one of");
        assertThat(refusal("[{\"type\": \"send_dtmf\"}, {\"type\": \"send_dtmf\"}]")).contains("repeats the tool");
    }

    @Test
    void anAssistantWithABadToolIsRefusedWhenSaved() throws IOException {
        assertThatThrownBy(() -> AssistantConfigJson.parse(JSON.readTree(
                "{\"tool_config\": [{\"type\": \"function\", \"name\": \"has space\", \"url\": \"https://a.example\"}]}")))
                .isInstanceOf(Problem.class).hasMessageContaining("'config.tool_config[0].name'");
    }
}
