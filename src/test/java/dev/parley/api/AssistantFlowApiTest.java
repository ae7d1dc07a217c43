package dev.parley.api;

import static dev.parley.api.MakeACallApiTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An assistant's {@code flow} and {@code turn_taking} through the API, and calls that must supply the flow's variables. */
@Tag("db")
class AssistantFlowApiTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass();

    private static final String REMINDER = """
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

    @Test
    void aFlowWithABadGotoIs400NamingTheStepAndTheField() {
        Http.Response r = server.createAssistant("{\"name\": \"reminder\", \"config\": {\"flow\": "
                + REMINDER.replace("\"goto\": \"confirmed\"}", "\"goto\": \"confirmd\"}") + "}}");
        assertError(r, 400, "invalid_request");
        assertThat(r.json().at("/error/field").asText()).isEqualTo("config.flow.steps[0].listen.intents[0].goto");
        assertThat(r.message()).isEqualTo("step 'greet': listen.intents[0].goto names 'confirmd', which is not a step id"
                + " (steps: greet, confirmed, reschedule, bye)");

        Http.Response unreachable = server.createAssistant("""
                {"name": "r", "config": {"flow": {"steps": [{"id": "a", "end": {}}, {"id": "lost", "end": {}}]}}}""");
        assertError(unreachable, 400, "invalid_request");
        assertThat(unreachable.json().at("/error/field").asText()).isEqualTo("config.flow.steps[1]");
        assertThat(unreachable.message()).startsWith("step 'lost': cannot be reached from the start step 'a'");
    }

    @Test
    void aValidFlowAndTurnTakingRoundTripThroughGetAndPatch() throws Exception {
        Http.Response r = server.createAssistant("{\"name\": \"reminder\", \"config\": {\"flow\": " + REMINDER
                + ", \"turn_taking\": {\"endpointing_ms\": 700, \"barge_in\": false}}}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        String id = r.json().at("/data/assistant_id").asText();

        JsonNode config = get(id).at("/data/config");
        JsonNode flow = config.get("flow");
        assertThat(flow.at("/steps/0/id").asText()).isEqualTo("greet");
        assertThat(flow.at("/steps/0/say").asText()).startsWith("Hi {{name}}");
        assertThat(flow.at("/steps/0/listen/intents/1/phrases/1").asText()).isEqualTo("nope");
        assertThat(flow.at("/steps/0/listen/dtmf/2").asText()).isEqualTo("reschedule");
        assertThat(flow.at("/steps/0/listen/no_match/goto").asText()).isEqualTo("bye");
        assertThat(flow.at("/steps/0/listen/no_input/timeout_seconds").asInt()).isEqualTo(6);
        assertThat(flow.at("/steps/1/goto").asText()).isEqualTo("bye");
        assertThat(flow.at("/steps/3/end/say").asText()).isEqualTo("Thank you, goodbye!");
        JsonNode turns = config.get("turn_taking");
        assertThat(turns.get("endpointing_ms").asInt()).isEqualTo(700);
        assertThat(turns.get("barge_in").asBoolean()).isFalse();
        assertThat(turns.get("barge_in_min_ms").asInt()).isEqualTo(150);
        assertThat(turns.get("min_utterance_ms").asInt()).isEqualTo(120);
        assertThat(turns.get("vad_threshold_db").asInt()).isEqualTo(10);
        assertThat(turns.get("no_input_timeout_seconds").asInt()).isEqualTo(6);

        // What GET returns can be sent back as is and comes back the same.
        String again = server.createAssistant("{\"name\": \"copy\", \"config\": " + config + "}").json().at("/data/assistant_id").asText();
        assertThat(get(again).at("/data/config")).isEqualTo(config);

        Http.Response patched = patch(id, "{\"config\": {\"turn_taking\": {\"vad_threshold_db\": 14},"
                + " \"flow\": {\"steps\": [{\"id\": \"only\", \"say\": \"Hello {{who}}\", \"end\": {}}]}}}");
        assertThat(patched.status()).as(patched.body()).isEqualTo(200);
        JsonNode after = get(id).at("/data/config");
        assertThat(after.at("/turn_taking/vad_threshold_db").asInt()).isEqualTo(14);
        assertThat(after.at("/turn_taking/endpointing_ms").asInt()).isEqualTo(700);
        assertThat(after.at("/flow/steps")).hasSize(1);
        assertThat(after.at("/flow/steps/0/say").asText()).isEqualTo("Hello {{who}}");

        Http.Response bad = patch(id, "{\"config\": {\"flow\": {\"steps\": [{\"id\": \"only\", \"goto\": \"nowhere\"}]}}}");
        assertError(bad, 400, "invalid_request");
        assertThat(bad.json().at("/error/field").asText()).isEqualTo("config.flow.steps[0].goto");

        assertThat(patch(id, "{\"config\": {\"flow\": null}}").status()).isEqualTo(200);
        assertThat(get(id).at("/data/config/flow").isNull()).isTrue();
    }

    @Test
    void aCallMustSupplyEveryVariableTheFlowUses() {
        String id = server.createAssistant("{\"name\": \"reminder\", \"config\": {\"flow\": " + REMINDER + "}}")
                .json().at("/data/assistant_id").asText();
        assertThat(get(id).at("/data/required_variables").toString()).isEqualTo("[\"name\",\"time\"]");
        Http.Response missing = call(id, "{\"name\": \"Ada\"}");
        assertError(missing, 400, "invalid_request");
        assertThat(missing.json().at("/error/field").asText()).isEqualTo("variables.time");
        assertThat(missing.message()).startsWith("the assistant's flow uses {{time}} but the request's variables has no 'time'");
        assertError(call(id, null), 400, "invalid_request");
        assertThat(server.count("SELECT count(*) FROM calls WHERE assistant_id = '" + id + "'")).isZero();

        Http.Response ok = call(id, "{\"name\": \"Ada\", \"time\": \"9:30\"}");
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);

        // With an Idempotency-Key the check happens inside the key's transaction, and nothing is kept.
        Http.Response keyed = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .header("Idempotency-Key", "flow-vars-1")
                .json(callBody(id, "{\"time\": \"9:30\"}")).send();
        assertError(keyed, 400, "invalid_request");
        assertThat(keyed.json().at("/error/field").asText()).isEqualTo("variables.name");
        Http.Response retried = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .header("Idempotency-Key", "flow-vars-1")
                .json(callBody(id, "{\"name\": \"Ada\", \"time\": \"9:30\"}")).send();
        assertThat(retried.status()).as(retried.body()).isEqualTo(200);

        // Dropping the flow drops the requirement.
        assertThat(patch(id, "{\"config\": {\"flow\": null}}").status()).isEqualTo(200);
        assertThat(get(id).at("/data/required_variables").toString()).isEqualTo("[]");
        assertThat(call(id, null).status()).isEqualTo(200);
    }

    private static Http.Response call(String assistantId, String variables) {
        return server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json(callBody(assistantId, variables)).send();
    }

    private static String callBody(String assistantId, String variables) {
        return "{\"assistant_id\": \"" + assistantId + "\", \"to_number\": \"+14155550123\""
                + (variables == null ? "" : ", \"variables\": " + variables) + "}";
    }

    private static JsonNode get(String id) {
        return server.http.request("GET", "/v1/admin/assistant/" + id).headers(server.auth()).send().json();
    }

    private static Http.Response patch(String id, String body) {
        return server.http.request("PATCH", "/v1/admin/assistant/" + id).headers(server.auth()).json(body).send();
    }
}
