package dev.parley.ai.flow;

import dev.parley.call.EndReason;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.ai.Responder.Input;
import dev.parley.ai.Responder.Part;
import dev.parley.ai.Responder.Part.EndCall;
import dev.parley.ai.Responder.Part.Listen;
import dev.parley.ai.Responder.Part.Say;
import dev.parley.ai.Responder.Reply;
import dev.parley.ai.Responder.Session;
import dev.parley.assistant.AssistantConfig;
import dev.parley.assistant.AssistantConfigJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class FlowResponderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GREETING = "Hi Ada, this is a reminder of your appointment at 9:30. Can you make it?";
    private static final String VARIABLES = "{\"name\": \"Ada\", \"time\": \"9:30\"}";

    @Test
    void answeringSaysTheGreetingAndListensForTheIntentsRepeatAndEndCallPhrases() {
        Session s = reminder();
        List<Part> parts = parts(s.respond(new Input.Answered(), List.of()));
        assertThat(parts).hasSize(2);
        assertThat(parts.get(0)).isEqualTo(new Say(GREETING, true));
        Listen listen = (Listen) parts.get(1);
        assertThat(listen.expect()).containsExactly("yes", "yeah", "sure", "no", "nope",
                "repeat", "say that again", "pardon", "what did you say", "goodbye", "bye bye");
        assertThat(listen.noInputTimeout()).isEqualTo(Duration.ofSeconds(6));
    }

    @Test
    void yesGoesToConfirmedAndOnToTheEnd() {
        Session s = answered(reminder());
        assertThat(parts(s.respond(new Input.Heard("Yeah, I'll be there."), List.of()))).containsExactly(
                new Say("Great, see you then.", true), new Say("Thank you, goodbye!", false), new EndCall(EndReason.ASSISTANT_ENDED));
        assertThat(parts(s.respond(new Input.Heard("yes"), List.of()))).as("after the end").isEmpty();
        assertThat(parts(s.respond(new Input.NoInput(), List.of()))).isEmpty();
    }

    @Test
    void noGoesToReschedule() {
        Session s = answered(reminder());
        assertThat(parts(s.respond(new Input.Heard("Nope."), List.of()))).containsExactly(
                new Say("No problem, we will call you to find a new time.", true),
                new Say("Thank you, goodbye!", false), new EndCall(EndReason.ASSISTANT_ENDED));
    }

    @Test
    void theEarliestPhraseWinsAndWholeWordsOnly() {
        Session s = answered(reminder());
        // "know" contains "no" but is not the word; "sure" comes first.
        assertThat(parts(s.respond(new Input.Heard("I know, sure, no problem"), List.of())).getFirst())
                .isEqualTo(new Say("Great, see you then.", true));
        Session t = answered(reminder());
        assertThat(parts(t.respond(new Input.Heard("no, yes, I mean"), List.of())).getFirst())
                .isEqualTo(new Say("No problem, we will call you to find a new time.", true));
    }

    @Test
    void atTheSamePlaceTheLongerPhraseWins() {
        Session s = new FlowResponder(config("""
                {"flow": {"steps": [
                  {"id": "ask", "say": "Now?", "listen": {"intents": [
                     {"name": "no", "phrases": ["no"], "goto": "no"},
                     {"name": "later", "phrases": ["no thanks"], "goto": "later"}]}},
                  {"id": "no", "end": {"say": "no"}},
                  {"id": "later", "end": {"say": "later"}}]}}""")).start("c", null);
        s.respond(new Input.Answered(), List.of());
        assertThat(parts(s.respond(new Input.Heard("No thanks!"), List.of())).getFirst()).isEqualTo(new Say("later", false));
    }

    @Test
    void repeatSaysTheStepAgain() {
        Session s = answered(reminder());
        List<Part> parts = parts(s.respond(new Input.Heard("sorry, what did you say?"), List.of()));
        assertThat(parts.getFirst()).isEqualTo(new Say(GREETING, true));
        assertThat(parts.get(1)).isInstanceOf(Listen.class);
    }

    @Test
    void noMatchIsRetriedThenFollowsItsGoto() {
        Session s = answered(reminder());
        Say sorry = new Say("Sorry, I did not catch that. Please say yes or no.", true);
        for (int i = 0; i < 2; i++) {
            List<Part> parts = parts(s.respond(new Input.Heard(i == 0 ? "banana" : ""), List.of()));
            assertThat(parts).hasSize(2);
            assertThat(parts.get(0)).isEqualTo(sorry);
            assertThat(parts.get(1)).isInstanceOf(Listen.class);
        }
        assertThat(parts(s.respond(new Input.Heard("banana"), List.of())))
                .containsExactly(new Say("Thank you, goodbye!", false), new EndCall(EndReason.ASSISTANT_ENDED));
    }

    @Test
    void aMatchResetsTheRetries() {
        Session s = new FlowResponder(config("""
                {"end_message": "Bye now.", "flow": {"steps": [
                  {"id": "ask", "say": "Ready?", "listen": {
                     "intents": [{"name": "again", "phrases": ["again"], "goto": "ask"}],
                     "no_match": {"retries": 1, "goto": "done"}}},
                  {"id": "done", "end": {}}]}}""")).start("c", null);
        s.respond(new Input.Answered(), List.of());
        assertThat(parts(s.respond(new Input.Heard("hm"), List.of())).getFirst()).isEqualTo(new Say("Sorry, I didn't catch that.", true));
        assertThat(parts(s.respond(new Input.Heard("again"), List.of())).getFirst()).isEqualTo(new Say("Ready?", true));
        assertThat(parts(s.respond(new Input.Heard("hm"), List.of())).getFirst()).as("one retry again")
                .isEqualTo(new Say("Sorry, I didn't catch that.", true));
        assertThat(parts(s.respond(new Input.Heard("hm"), List.of())))
                .containsExactly(new Say("Bye now.", false), new EndCall(EndReason.ASSISTANT_ENDED));
    }

    @Test
    void noMatchWithoutAGotoEndsWithTheEndMessage() {
        Session s = new FlowResponder(config("""
                {"end_message": "Goodbye {{name}}.", "flow": {"steps": [
                  {"id": "ask", "say": "Ready?", "listen": {"no_match": {"retries": 0}}}]}}""")).start("c", json(VARIABLES));
        s.respond(new Input.Answered(), List.of());
        assertThat(parts(s.respond(new Input.Heard("what"), List.of())))
                .containsExactly(new Say("Goodbye Ada.", false), new EndCall(EndReason.ASSISTANT_ENDED));
    }

    @Test
    void silenceIsRetriedThenEndsAsASilenceTimeout() {
        Session s = answered(reminder());
        List<Part> parts = parts(s.respond(new Input.NoInput(), List.of()));
        assertThat(parts.get(0)).isEqualTo(new Say("Are you still there?", true));
        assertThat(((Listen) parts.get(1)).noInputTimeout()).isEqualTo(Duration.ofSeconds(6));
        assertThat(parts(s.respond(new Input.NoInput(), List.of())))
                .containsExactly(new Say("Thank you for your time. Goodbye!", false), new EndCall(EndReason.SILENCE_TIMEOUT));
    }

    @Test
    void silenceWithAGotoGoesThereAndTheTimeoutDefaultsToTurnTaking() {
        Session s = new FlowResponder(config("""
                {"turn_taking": {"no_input_timeout_seconds": 9}, "flow": {"steps": [
                  {"id": "ask", "say": "Ready?", "listen": {"no_input": {"retries": 0, "goto": "voicemail"}}},
                  {"id": "voicemail", "say": "We will try again later.", "end": {"ended_reason": "silence-timeout"}}]}}"""))
                .start("c", null);
        List<Part> first = parts(s.respond(new Input.Answered(), List.of()));
        assertThat(((Listen) first.get(1)).noInputTimeout()).isEqualTo(Duration.ofSeconds(9));
        assertThat(parts(s.respond(new Input.NoInput(), List.of()))).containsExactly(new Say("We will try again later.", true),
                new Say("Thank you for your time. Goodbye!", false), new EndCall(EndReason.SILENCE_TIMEOUT));
    }

    @Test
    void keysFollowTheDtmfMapAndOtherKeysAreNoMatches() {
        Session s = answered(reminder());
        assertThat(parts(s.respond(new Input.Digit('9'), List.of())).getFirst())
                .isEqualTo(new Say("Sorry, I did not catch that. Please say yes or no.", true));
        assertThat(parts(s.respond(new Input.Digit('2'), List.of())).getFirst())
                .isEqualTo(new Say("No problem, we will call you to find a new time.", true));
    }

    @Test
    void anEndCallPhraseEndsTheCallBeforeIntentsAreMatched() {
        Session s = answered(reminder());
        assertThat(parts(s.respond(new Input.Heard("Yes. OK, goodbye!"), List.of())))
                .containsExactly(new Say("Thank you for your time. Goodbye!", false), new EndCall(EndReason.ASSISTANT_ENDED));
        Session t = answered(reminder());
        assertThat(parts(t.respond(new Input.Heard("goodbyes are hard, yes"), List.of())).getFirst())
                .as("whole words only").isEqualTo(new Say("Great, see you then.", true));
    }

    @Test
    void templatesUseTheCallsVariablesAndMissingOnesAreSilent() {
        Session s = new FlowResponder(config("{\"flow\": " + FlowJsonTest.REMINDER + "}")).start("c", json("{\"name\": \"Bo\", \"time\": 10}"));
        assertThat(parts(s.respond(new Input.Answered(), List.of())).getFirst())
                .isEqualTo(new Say("Hi Bo, this is a reminder of your appointment at 10. Can you make it?", true));
        Session t = new FlowResponder(config("{\"flow\": " + FlowJsonTest.REMINDER + "}")).start("c", json("{}"));
        assertThat(parts(t.respond(new Input.Answered(), List.of())).getFirst())
                .isEqualTo(new Say("Hi , this is a reminder of your appointment at . Can you make it?", true));
    }

    @Test
    void stepsWithoutAnActionContinueWithTheNextOne() {
        Session s = new FlowResponder(config("""
                {"flow": {"steps": [{"id": "a", "say": "One."}, {"id": "b"}, {"id": "c", "say": "Two.", "end": {"say": "Three."}}]}}"""))
                .start("c", null);
        assertThat(parts(s.respond(new Input.Answered(), List.of()))).containsExactly(
                new Say("One.", true), new Say("Two.", true), new Say("Three.", false), new EndCall(EndReason.ASSISTANT_ENDED));
    }

    @Test
    void withoutAFlowTheBuiltInOneAsksTheFirstMessage() {
        AssistantConfig config = config("{\"first_message\": \"Hello {{name}}, got a minute?\", \"end_message\": \"Bye.\"}");
        assertThat(new FlowResponder(config).flow().variables()).containsExactly("name");

        Session yes = new FlowResponder(config).start("c", json(VARIABLES));
        List<Part> opening = parts(yes.respond(new Input.Answered(), List.of()));
        assertThat(opening.getFirst()).isEqualTo(new Say("Hello Ada, got a minute?", true));
        assertThat(((Listen) opening.get(1)).expect()).contains("yes", "of course", "not now", "pardon", "goodbye");
        assertThat(parts(yes.respond(new Input.Heard("of course"), List.of())))
                .containsExactly(new Say("Great, thank you.", true), new Say("Bye.", false), new EndCall(EndReason.ASSISTANT_ENDED));

        Session no = new FlowResponder(config).start("c", json(VARIABLES));
        no.respond(new Input.Answered(), List.of());
        assertThat(parts(no.respond(new Input.Heard("pardon?"), List.of())).getFirst())
                .isEqualTo(new Say("Hello Ada, got a minute?", true));
        assertThat(parts(no.respond(new Input.Heard("not now"), List.of())))
                .containsExactly(new Say("No problem.", true), new Say("Bye.", false), new EndCall(EndReason.ASSISTANT_ENDED));

        Session silent = new FlowResponder(config).start("c", json(VARIABLES));
        silent.respond(new Input.Answered(), List.of());
        assertThat(parts(silent.respond(new Input.NoInput(), List.of())).getFirst()).isEqualTo(new Say("Are you still there?", true));
        assertThat(parts(silent.respond(new Input.NoInput(), List.of())))
                .containsExactly(new Say("Bye.", false), new EndCall(EndReason.SILENCE_TIMEOUT));

        Session muddled = new FlowResponder(config).start("c", json(VARIABLES));
        muddled.respond(new Input.Answered(), List.of());
        assertThat(parts(muddled.respond(new Input.Heard("banana"), List.of())).getFirst())
                .isEqualTo(new Say("Sorry, I didn't catch that.", true));
        parts(muddled.respond(new Input.Heard("banana"), List.of()));
        assertThat(parts(muddled.respond(new Input.Heard("banana"), List.of())))
                .containsExactly(new Say("Bye.", false), new EndCall(EndReason.ASSISTANT_ENDED));
    }

    @Test
    void theCalleeSpeakingFirstStartsTheFlow() {
        Session s = reminder();
        assertThat(parts(s.respond(new Input.Heard("hello?"), List.of())).getFirst()).isEqualTo(new Say(GREETING, true));
    }

    private static Session reminder() {
        return new FlowResponder(config("{\"flow\": " + FlowJsonTest.REMINDER + "}")).start("c_1", json(VARIABLES));
    }

    @Test
    void aTransferStepSaysItsLineWholeThenTransfersAndARefusalGoesToItsFailureStep() {
        Session s = new FlowResponder(config("""
                {"flow": {"steps": [
                  {"id": "agent", "say": "Connecting you to a person.", "transfer": "+14155550100", "on_transfer_failed": "sorry"},
                  {"id": "sorry", "say": "Sorry, nobody is free.", "listen": {"intents": [{"name": "ok", "phrases": ["okay"], "goto": "bye"}]}},
                  {"id": "bye", "end": {"say": "Bye."}}]}}""")).start("c", null);
        assertThat(parts(s.respond(new Input.Answered(), List.of()))).as("the line must be heard whole before the call leaves")
                .containsExactly(new Say("Connecting you to a person.", false), new Part.Transfer("+14155550100"));
        assertThat(parts(s.respond(new Input.Heard("hello?"), List.of()))).as("while the transfer is under way").isEmpty();
        assertThat(parts(s.respond(new Input.Digit('1'), List.of()))).isEmpty();
        List<Part> failed = parts(s.respond(new Input.TransferFailed("+14155550100", "603"), List.of()));
        assertThat(failed.getFirst()).isEqualTo(new Say("Sorry, nobody is free.", true));
        assertThat(failed.get(1)).isInstanceOf(Listen.class);
        assertThat(parts(s.respond(new Input.TransferFailed("+14155550100", "late"), List.of())))
                .as("a listening step has no transfer to fail").isEmpty();
        assertThat(parts(s.respond(new Input.Heard("okay"), List.of()))).containsExactly(
                new Say("Bye.", false), new EndCall(EndReason.ASSISTANT_ENDED));
    }

    @Test
    void aRefusedTransferWithoutAFailureStepEndsWithTheEndMessage() {
        Session s = new FlowResponder(config("""
                {"end_message": "Goodbye.", "flow": {"steps": [{"id": "agent", "transfer": "sip:desk@example.com"}]}}"""))
                .start("c", null);
        assertThat(parts(s.respond(new Input.Answered(), List.of()))).containsExactly(new Part.Transfer("sip:desk@example.com"));
        assertThat(parts(s.respond(new Input.TransferFailed("sip:desk@example.com", "603"), List.of()))).containsExactly(
                new Say("Goodbye.", false), new EndCall(EndReason.ASSISTANT_ENDED));
    }

    private static Session answered(Session s) {
        s.respond(new Input.Answered(), List.of());
        return s;
    }

    static AssistantConfig config(String json) {
        return AssistantConfigJson.parse(json(json));
    }

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static List<Part> parts(Reply reply) {
        List<Part> out = new ArrayList<>();
        try {
            for (Part p = reply.next(); p != null; p = reply.next()) {
                out.add(p);
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }
}
