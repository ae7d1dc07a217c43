package dev.parley.assistant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.error.Problem;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class AssistantConfigJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void turnTakingDefaultsAreAppliedAndWrittenBack() {
        AssistantConfig c = parse("{}");
        assertThat(c.turnTaking()).isEqualTo(new AssistantConfig.TurnTaking(500, true, 150, 120, 10, 6));
        assertThat(c.flow()).isEmpty();
        JsonNode written = AssistantConfigJson.write(c);
        assertThat(written.get("turn_taking").toString()).isEqualTo("""
                {"endpointing_ms":500,"barge_in":true,"barge_in_min_ms":150,"min_utterance_ms":120,\
                "vad_threshold_db":10,"no_input_timeout_seconds":6}""");
        assertThat(written.get("flow").isNull()).isTrue();
        assertThat(AssistantConfigJson.parse(written)).isEqualTo(c);
    }

    @Test
    void turnTakingIsKeptAndChecked() {
        AssistantConfig c = parse("""
                {"turn_taking": {"endpointing_ms": 800, "barge_in": false, "barge_in_min_ms": 300, "min_utterance_ms": 200,
                 "vad_threshold_db": 15, "no_input_timeout_seconds": 10}}""");
        assertThat(c.turnTaking()).isEqualTo(new AssistantConfig.TurnTaking(800, false, 300, 200, 15, 10));
        assertThat(parse("{\"turn_taking\": {\"barge_in\": false}}").turnTaking())
                .isEqualTo(new AssistantConfig.TurnTaking(500, false, 150, 120, 10, 6));
        record Case(String body, String field) {}
        for (Case k : List.of(
                new Case("{\"endpointing_ms\": 99}", "config.turn_taking.endpointing_ms"),
                new Case("{\"endpointing_ms\": 5001}", "config.turn_taking.endpointing_ms"),
                new Case("{\"barge_in\": \"yes\"}", "config.turn_taking.barge_in"),
                new Case("{\"barge_in_min_ms\": 39}", "config.turn_taking.barge_in_min_ms"),
                new Case("{\"min_utterance_ms\": 2001}", "config.turn_taking.min_utterance_ms"),
                new Case("{\"vad_threshold_db\": 2}", "config.turn_taking.vad_threshold_db"),
                new Case("{\"vad_threshold_db\": 41}", "config.turn_taking.vad_threshold_db"),
                new Case("{\"no_input_timeout_seconds\": 0}", "config.turn_taking.no_input_timeout_seconds"),
                new Case("{\"no_input_timeout_seconds\": 1.5}", "config.turn_taking.no_input_timeout_seconds"),
                new Case("{\"endpointing\": 500}", "config.turn_taking.endpointing"))) {
            assertThatThrownBy(() -> parse("{\"turn_taking\": " + k.body() + "}")).as(k.body())
                    .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.details()).containsEntry("field", k.field()));
        }
        assertThatThrownBy(() -> parse("{\"turn_taking\": 5}")).isInstanceOfSatisfying(Problem.class,
                p -> assertThat(p.details()).containsEntry("field", "config.turn_taking"));
    }

    @Test
    void aFlowRoundTripsThroughWrite() {
        AssistantConfig c = parse("""
                {"flow": {"steps": [{"id": "hi", "say": "Hi {{name}}", "listen": {"intents": [
                  {"name": "Yes", "phrases": ["Yes!", "Of course"], "goto": "bye"}], "dtmf": {"#": "bye"}}},
                  {"id": "bye", "end": {}}]}}""");
        assertThat(c.flow()).isPresent();
        assertThat(c.flow().get().variables()).containsExactly("name");
        JsonNode written = AssistantConfigJson.write(c);
        assertThat(written.at("/flow/steps/0/listen/intents/0/phrases/0").asText()).isEqualTo("Yes!");
        assertThat(written.at("/flow/steps/0/listen/dtmf/#").asText()).isEqualTo("bye");
        assertThat(AssistantConfigJson.parse(written)).isEqualTo(c);
        assertThat(parse("{\"flow\": null}").flow()).isEmpty();
    }

    @Test
    void voicemailIsOffByDefaultAndWrittenBackComplete() {
        AssistantConfig c = parse("{}");
        assertThat(c.voicemail()).isEqualTo(AssistantConfig.Voicemail.OFF);
        assertThat(AssistantConfigJson.write(c).get("voicemail").toString())
                .isEqualTo("{\"detect\":false,\"action\":\"hangup\",\"message\":null,\"beep_wait_seconds\":30}");
        AssistantConfig leave = parse("""
                {"voicemail": {"detect": true, "action": "leave_message", "message": "Hi {{name}}, call us back.",
                 "beep_wait_seconds": 45}}""");
        assertThat(leave.voicemail().detect()).isTrue();
        assertThat(leave.voicemail().action()).isEqualTo(AssistantConfig.Voicemail.Action.leave_message);
        assertThat(leave.voicemail().message().orElseThrow().render(JSON.createObjectNode().put("name", "Sam")))
                .isEqualTo("Hi Sam, call us back.");
        assertThat(leave.voicemail().beepWaitSeconds()).isEqualTo(45);
        assertThat(AssistantConfigJson.parse(AssistantConfigJson.write(leave))).isEqualTo(leave);
    }

    @Test
    void voicemailIsChecked() {
        record Case(String body, String field) {}
        for (Case k : List.of(
                new Case("{\"action\": \"leave_message\"}", "config.voicemail.message"),
                new Case("{\"action\": \"leave_message\", \"message\": \"  \"}", "config.voicemail.message"),
                new Case("{\"action\": \"leave_message\", \"message\": \"Hi {{first name}}\"}", "config.voicemail.message"),
                new Case("{\"message\": \"" + "a".repeat(2_001) + "\"}", "config.voicemail.message"),
                new Case("{\"action\": \"voicemail\"}", "config.voicemail.action"),
                new Case("{\"detect\": \"yes\"}", "config.voicemail.detect"),
                new Case("{\"beep_wait_seconds\": 0}", "config.voicemail.beep_wait_seconds"),
                new Case("{\"beep_wait_seconds\": 121}", "config.voicemail.beep_wait_seconds"),
                new Case("{\"beep\": true}", "config.voicemail.beep"))) {
            assertThatThrownBy(() -> parse("{\"voicemail\": " + k.body() + "}")).as(k.body())
                    .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.details()).containsEntry("field", k.field()));
        }
    }

    private static AssistantConfig parse(String json) {
        try {
            return AssistantConfigJson.parse(JSON.readTree(json));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
