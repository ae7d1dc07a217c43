package dev.parley.ai.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.error.Problem;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class FlowJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String REMINDER = """
            {"steps": [
              {"id": "greet", "say": "Hi {{name}}, this is a reminder of your appointment at {{time}}. Can you make it?",
               "listen": {
                  "intents": [ {"name": "yes", "phrases": ["yes", "yeah", "sure"], "goto": "confirmed"},
                               {"name": "no",  "phrases": ["no", "nope"], "goto": "reschedule"} ],
                  "dtmf": {"1": "confirmed", "2": "reschedule"},
                  "no_match": {"say": "Sorry, I did not catch that. Please say yes or no.", "retries": 2, "goto": "bye"},
                  "no_input": {"say": "Are you still there?", "retries": 1, "timeout_seconds": 6, "goto": null}
               }},
              {"id": "confirmed", "say": "Great, see you then.", "goto": "bye"},
              {"id": "reschedule", "say": "No problem, we will call you to find a new time.", "goto": "bye"},
              {"id": "bye", "end": {"say": "Thank you, goodbye!", "ended_reason": "assistant-ended"}}
            ]}""";

    static Flow parse(String json) {
        try {
            return FlowJson.parse(JSON.readTree(json), "config.flow");
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void theAppointmentReminderIsReadWithItsDefaultsAndVariables() {
        Flow flow = parse(REMINDER);
        assertThat(flow.steps()).extracting(Step::id).containsExactly("greet", "confirmed", "reschedule", "bye");
        assertThat(flow.start().id()).isEqualTo("greet");
        assertThat(flow.variables()).containsExactly("name", "time");
        Listen listen = (Listen) flow.start().next();
        assertThat(listen.intents()).extracting(Listen.Intent::goTo).containsExactly("confirmed", "reschedule");
        assertThat(listen.dtmf()).containsEntry("1", "confirmed").containsEntry("2", "reschedule");
        assertThat(listen.noMatch().retries()).isEqualTo(2);
        assertThat(listen.noMatch().goTo()).contains("bye");
        assertThat(listen.noInput().timeoutSeconds()).contains(6);
        assertThat(listen.noInput().goTo()).isEmpty();
        assertThat(flow.step("confirmed").orElseThrow().next()).isEqualTo(new Step.GoTo("bye"));
        assertThat(flow.step("bye").orElseThrow().next()).isInstanceOf(Step.End.class);
    }

    @Test
    void defaultsAreFilledIn() {
        Flow flow = parse("""
                {"steps": [{"id": "a", "say": "Hello?", "listen": {"intents": [{"name": "x", "phrases": ["x"], "goto": "b"}]}},
                           {"id": "b"}, {"id": "c", "end": {}}]}""");
        Listen l = (Listen) flow.start().next();
        assertThat(l.noMatch().say().source()).isEqualTo("Sorry, I didn't catch that.");
        assertThat(l.noMatch().retries()).isEqualTo(2);
        assertThat(l.noInput().say().source()).isEqualTo("Are you still there?");
        assertThat(l.noInput().retries()).isEqualTo(1);
        assertThat(l.noInput().timeoutSeconds()).isEmpty();
        assertThat(flow.step("b").orElseThrow().next()).isEqualTo(new Step.Continue());
        assertThat(flow.step("c").orElseThrow().next()).isEqualTo(new Step.End(Optional.empty(), Step.EndedReason.ASSISTANT_ENDED));
    }

    @Test
    void writingAndReadingAgainGivesTheSameFlow() throws Exception {
        Flow flow = parse(REMINDER);
        JsonNode written = FlowJson.write(flow);
        Flow again = FlowJson.parse(written, "config.flow");
        assertThat(again).isEqualTo(flow);
        assertThat(FlowJson.write(again)).isEqualTo(written);
        assertThat(written.at("/steps/0/say").asText()).startsWith("Hi {{name}}, this is");
        assertThat(written.at("/steps/0/listen/intents/0/phrases")).hasSize(3);
        assertThat(written.at("/steps/3/end/ended_reason").asText()).isEqualTo("assistant-ended");
    }

    @Test
    void aWrongGotoNamesTheStepTheFieldAndTheStepIds() {
        String bad = REMINDER.replace("\"goto\": \"confirmed\"}", "\"goto\": \"confirmd\"}");
        assertInvalid(() -> parse(bad), "config.flow.steps[0].listen.intents[0].goto",
                "step 'greet': listen.intents[0].goto names 'confirmd', which is not a step id"
                        + " (steps: greet, confirmed, reschedule, bye)");
        assertInvalid(() -> parse(REMINDER.replace("\"say\": \"Great, see you then.\", \"goto\": \"bye\"",
                        "\"say\": \"Great, see you then.\", \"goto\": \"by\"")),
                "config.flow.steps[1].goto", "step 'confirmed': goto names 'by', which is not a step id");
        assertInvalid(() -> parse(REMINDER.replace("\"2\": \"reschedule\"", "\"2\": \"later\"")),
                "config.flow.steps[0].listen.dtmf.2", "step 'greet': listen.dtmf.2 names 'later'");
        assertInvalid(() -> parse(REMINDER.replace("\"retries\": 2, \"goto\": \"bye\"", "\"retries\": 2, \"goto\": \"byee\"")),
                "config.flow.steps[0].listen.no_match.goto", "step 'greet': listen.no_match.goto names 'byee'");
    }

    @Test
    void stepsAndIdsAreChecked() {
        assertInvalid(() -> parse("{}"), "config.flow.steps", "'config.flow.steps' is required");
        assertInvalid(() -> parse("{\"steps\": []}"), "config.flow.steps", "has 0 items; it must have 1 to 200");
        assertInvalid(() -> parse("{\"steps\": [], \"start\": \"a\"}"), "config.flow.start", "'config.flow.start' is not a field here");
        assertInvalid(() -> parse("[]"), "config.flow", "'config.flow' must be a JSON object");
        StringBuilder many = new StringBuilder("{\"steps\": [");
        for (int i = 0; i < 201; i++) {
            many.append(i == 0 ? "" : ",").append("{\"id\": \"s").append(i).append("\", \"end\": {}}");
        }
        assertInvalid(() -> parse(many + "]}"), "config.flow.steps", "has 201 items");
        assertInvalid(() -> parse("{\"steps\": [{\"say\": \"hi\", \"end\": {}}]}"), "config.flow.steps[0].id", "is required");
        assertInvalid(() -> parse("{\"steps\": [{\"id\": \"Greet!\", \"end\": {}}]}"), "config.flow.steps[0].id",
                "'config.flow.steps[0].id' is 'Greet!'; step ids are 1 to 64 of a-z, 0-9, _ and -");
        assertInvalid(() -> parse("{\"steps\": [{\"id\": \"a\", \"goto\": \"b\"}, {\"id\": \"b\", \"end\": {}}, {\"id\": \"a\", \"end\": {}}]}"),
                "config.flow.steps[2].id", "is 'a', which steps[0] already uses");
    }

    @Test
    void aStepDoesExactlyOneThingAndTheLastOneMustStop() {
        assertInvalid(() -> parse("{\"steps\": [{\"id\": \"a\", \"goto\": \"b\", \"end\": {}}, {\"id\": \"b\", \"end\": {}}]}"),
                "config.flow.steps[0].end", "step 'a': end is given together with goto; a step does exactly one of listen, goto, end or transfer");
        assertInvalid(() -> parse("{\"steps\": [{\"id\": \"a\", \"say\": \"hi\"}, {\"id\": \"b\", \"say\": \"bye\"}]}"),
                "config.flow.steps[1]", "step 'b': is the last step but neither listens, jumps (goto) nor ends");
        assertInvalid(() -> parse("{\"steps\": [{\"id\": \"a\", \"sya\": \"hi\", \"end\": {}}]}"),
                "config.flow.steps[0].sya", "step 'a': sya is not a field here (allowed: end, goto, id, listen, on_transfer_failed, say, transfer)");
        assertInvalid(() -> parse("{\"steps\": [{\"id\": \"a\", \"end\": {\"ended_reason\": \"customer-ended\"}}]}"),
                "config.flow.steps[0].end.ended_reason",
                "step 'a': end.ended_reason is 'customer-ended'; it must be one of: assistant-ended, silence-timeout");
        assertInvalid(() -> parse("{\"steps\": [{\"id\": \"a\", \"say\": \"" + "x".repeat(2001) + "\", \"end\": {}}]}"),
                "config.flow.steps[0].say", "step 'a': say is 2001 characters long; the limit is 2000");
    }

    @Test
    void listenIsChecked() {
        String step = "{\"steps\": [{\"id\": \"a\", \"listen\": %s}, {\"id\": \"b\", \"end\": {}}]}";
        assertInvalid(() -> parse(step.formatted("{\"intents\": [{\"name\": \"x\", \"phrases\": [\"x\"], \"goto\": \"b\"},"
                        + " {\"name\": \"x\", \"phrases\": [\"y\"], \"goto\": \"b\"}]}")),
                "config.flow.steps[0].listen.intents[1].name", "step 'a': listen.intents[1].name is 'x', which intents[0] already uses");
        assertInvalid(() -> parse(step.formatted("{\"intents\": [{\"name\": \"x\", \"phrases\": [], \"goto\": \"b\"}]}")),
                "config.flow.steps[0].listen.intents[0].phrases", "step 'a': listen.intents[0].phrases has 0 items; it must have 1 to 50");
        assertInvalid(() -> parse(step.formatted("{\"intents\": [{\"name\": \"x\", \"phrases\": [\"$5\"], \"goto\": \"b\"}]}")),
                "config.flow.steps[0].listen.intents[0].phrases[0]", "step 'a': listen.intents[0].phrases[0] is '$5'; a phrase is words");
        assertInvalid(() -> parse(step.formatted("{\"intents\": [{\"name\": \"x\", \"phrases\": [\"?!\"], \"goto\": \"b\"}]}")),
                "config.flow.steps[0].listen.intents[0].phrases[0]", "a phrase is words");
        assertInvalid(() -> parse(step.formatted("{\"intents\": [{\"name\": \"x\", \"phrases\": [\"" + "a".repeat(201) + "\"], \"goto\": \"b\"}]}")),
                "config.flow.steps[0].listen.intents[0].phrases[0]", "the limit is 200");
        assertInvalid(() -> parse(step.formatted("{\"intents\": [{\"name\": \"x\", \"phrases\": [\"x\"]}]}")),
                "config.flow.steps[0].listen.intents[0].goto", "step 'a': listen.intents[0].goto is required");
        assertInvalid(() -> parse(step.formatted("{\"dtmf\": {\"12\": \"b\"}}")),
                "config.flow.steps[0].listen.dtmf.12", "step 'a': listen.dtmf.12 is not a key; dtmf keys are single characters: 0-9, * or #");
        assertInvalid(() -> parse(step.formatted("{\"no_match\": {\"retries\": 6}}")),
                "config.flow.steps[0].listen.no_match.retries", "step 'a': listen.no_match.retries must be a whole number from 0 to 5");
        assertInvalid(() -> parse(step.formatted("{\"no_input\": {\"timeout_seconds\": 61}}")),
                "config.flow.steps[0].listen.no_input.timeout_seconds", "must be a whole number from 1 to 60");
        assertInvalid(() -> parse(step.formatted("{\"no_input\": {\"timeout\": 5}}")),
                "config.flow.steps[0].listen.no_input.timeout", "step 'a': listen.no_input.timeout is not a field here");
        assertInvalid(() -> parse(step.formatted("\"yes\"")),
                "config.flow.steps[0].listen", "step 'a': listen must be a JSON object, not a string");
    }

    @Test
    void templatesAreChecked() {
        String flow = "{\"steps\": [{\"id\": \"a\", \"say\": \"%s\", \"end\": {}}]}";
        assertThat(parse(flow.formatted("Hi {{ first_name }} and {{x1}}")).variables()).containsExactly("first_name", "x1");
        assertInvalid(() -> parse(flow.formatted("Hi {{first name}}")), "config.flow.steps[0].say",
                "step 'a': say has '{{first name}}', which is not a placeholder");
        assertInvalid(() -> parse(flow.formatted("Hi {{1st}}")), "config.flow.steps[0].say", "which is not a placeholder");
        assertInvalid(() -> parse(flow.formatted("Hi {{name")), "config.flow.steps[0].say", "which is not a placeholder");
        assertInvalid(() -> parse(flow.formatted("Hi name}}")), "config.flow.steps[0].say", "has '}}' without a matching '{{'");
        assertInvalid(() -> parse("{\"steps\": [{\"id\": \"a\", \"end\": {\"say\": \"Bye {{}}\"}}]}"),
                "config.flow.steps[0].end.say", "step 'a': end.say has '{{}}'");
        assertThat(parse("{\"steps\": [{\"id\": \"a\", \"listen\": {\"no_match\": {\"say\": \"{{who}}?\"}}}]}").variables())
                .containsExactly("who");
    }

    @Test
    void unreachableStepsAndLoopsWithoutListeningAreRefused() {
        assertInvalid(() -> parse("{\"steps\": [{\"id\": \"a\", \"end\": {}}, {\"id\": \"orphan\", \"say\": \"hi\", \"end\": {}}]}"),
                "config.flow.steps[1]", "step 'orphan': cannot be reached from the start step 'a'");
        assertInvalid(() -> parse("""
                {"steps": [{"id": "a", "goto": "b"}, {"id": "b", "goto": "a"}, {"id": "c", "end": {}}]}"""),
                "config.flow.steps[0].goto", "step 'a': goto starts a loop of steps that never listens or ends (a -> b -> a)");
        assertInvalid(() -> parse("""
                {"steps": [{"id": "a", "say": "one"}, {"id": "b", "say": "two", "goto": "a"}]}"""),
                "config.flow.steps[0]", "step 'a': starts a loop of steps that never listens or ends (a -> b -> a)");
        // A loop through a step that listens is how a conversation goes round; that is fine.
        assertThat(parse("""
                {"steps": [{"id": "a", "goto": "b"},
                           {"id": "b", "listen": {"intents": [{"name": "again", "phrases": ["again"], "goto": "a"}], "no_match": {"goto": "c"}}},
                           {"id": "c", "end": {}}]}""").steps()).hasSize(3);
    }

    @Test
    void aTransferStepIsReadWrittenAndCheckedLikeANumberParleyDials() throws Exception {
        Flow flow = parse("""
                {"steps": [
                  {"id": "agent", "say": "Connecting you to a person.", "transfer": " +14155550100 ", "on_transfer_failed": "sorry"},
                  {"id": "sorry", "say": "Nobody is free.", "transfer": "sip:desk@example.com"}]}""");
        assertThat(flow.start().next()).isEqualTo(new Step.Transfer("+14155550100", Optional.of("sorry")));
        assertThat(flow.step("sorry").orElseThrow().next()).as("a transfer may be the last step")
                .isEqualTo(new Step.Transfer("sip:desk@example.com", Optional.empty()));
        JsonNode written = FlowJson.write(flow);
        assertThat(written.at("/steps/0/transfer").asText()).isEqualTo("+14155550100");
        assertThat(written.at("/steps/0/on_transfer_failed").asText()).isEqualTo("sorry");
        assertThat(written.at("/steps/1/on_transfer_failed").isMissingNode()).isTrue();
        assertThat(FlowJson.parse(written, "config.flow")).isEqualTo(flow);

        String one = "{\"steps\": [{\"id\": \"agent\", \"transfer\": %s}]}";
        assertInvalid(() -> parse(one.formatted("\"4155550100\"")), "config.flow.steps[0].transfer",
                "step 'agent': 'transfer' must be a phone number in E.164 format, like +14155550100, or a SIP URI");
        assertInvalid(() -> parse(one.formatted("\"+1 415 555 0100\"")), "config.flow.steps[0].transfer",
                "did you mean +14155550100?");
        assertInvalid(() -> parse(one.formatted("\"+1415555\"")), "config.flow.steps[0].transfer",
                "has the wrong number of digits for country code +1");
        assertInvalid(() -> parse(one.formatted("\"sip:desk@example.com?Replaces=abc\"")), "config.flow.steps[0].transfer",
                "step 'agent': 'transfer' is not a SIP URI Parley can transfer to");
        assertInvalid(() -> parse(one.formatted("42")), "config.flow.steps[0].transfer",
                "step 'agent': transfer must be a string, not a number");
        assertInvalid(() -> parse("""
                {"steps": [{"id": "a", "transfer": "+14155550100", "end": {}}]}"""),
                "config.flow.steps[0].transfer", "step 'a': transfer is given together with end");
        assertInvalid(() -> parse("""
                {"steps": [{"id": "a", "say": "hi", "on_transfer_failed": "b", "goto": "b"}, {"id": "b", "end": {}}]}"""),
                "config.flow.steps[0].on_transfer_failed", "step 'a': on_transfer_failed is given without transfer");
        assertInvalid(() -> parse("""
                {"steps": [{"id": "a", "transfer": "+14155550100", "on_transfer_failed": "nope"}]}"""),
                "config.flow.steps[0].on_transfer_failed", "step 'a': on_transfer_failed names 'nope', which is not a step id");
        // Refused at once, retried at once: REFER after REFER to the far end, and nobody is listening.
        assertInvalid(() -> parse("""
                {"steps": [{"id": "a", "say": "Trying.", "transfer": "+14155550100", "on_transfer_failed": "b"},
                           {"id": "b", "say": "Again.", "goto": "a"}]}"""),
                "config.flow.steps[0].on_transfer_failed", "step 'a': on_transfer_failed starts a loop of steps that never listens or ends (a -> b -> a)");
    }

    static void assertInvalid(ThrowableAssert.ThrowingCallable call, String field, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(Problem.class, p -> {
            assertThat(p.details()).as(p.getMessage()).containsEntry("field", field);
            assertThat(p.getMessage()).contains(message);
            assertThat(p.kind().status).isEqualTo(400);
        });
    }
}
