package dev.parley.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.ai.Responder.Input;
import dev.parley.ai.Responder.Part;
import dev.parley.ai.SpeechToText.SttEvent;
import dev.parley.amd.AnsweredBy;
import dev.parley.amd.AnsweredBy.Who;
import dev.parley.call.EndReason;
import dev.parley.call.TranscriptTurn;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Answering machines on scripted timelines (issue 13): what the callee hears tick by tick when a
 * detector decides, when a beep ends, when it changes its mind, and what is recorded. A tick is
 * 20 ms; the detector hears tick {@code t}'s frame, and the assistant's audio on tick {@code t + 1}
 * is the first that can follow from it.
 */
@Tag("unit")
class VoicemailConversationTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    /** Twelve words: 120 ticks of greeting. */
    private static final String GREETING = "hello this is the clinic calling about your appointment tomorrow at nine o'clock";
    private static final String MESSAGE = "please call the clinic back on five five five"; // nine words: 90 ticks

    private final List<Input> inputs = new CopyOnWriteArrayList<>();

    private Conversation conversation(ScriptedCall call, ScriptedCall.ScriptedStt stt, Machines machines) {
        Function<Input, List<Part>> script = in -> {
            inputs.add(in);
            return switch (in) {
                case Input.Answered a -> List.of(new Part.Say(GREETING, true), new Part.Listen(List.of("yes"), LONG));
                case Input.Heard h when h.text().equals("yes") ->
                        List.of(new Part.Say("great see you then", false), new Part.EndCall(EndReason.ASSISTANT_ENDED));
                default -> List.of(new Part.Say("sorry", true), new Part.Listen(List.of("yes"), LONG));
            };
        };
        Conversation c = new Conversation("c1", TurnTaking.DEFAULTS, true,
                Conversation.Providers.offline(ScriptedCall.responder(script), stt, new ScriptedCall.WordVoice()), call,
                new Conversation.Observer() { },
                new Voicemail(machines.detector(), machines.plan(), TurnTaking.DEFAULTS.vadThresholdDb(), call::record),
                Conversation.Courtesy.NONE);
        call.drives(c, stt);
        return c;
    }

    private record Machines(ScriptedDetector detector, Voicemail.Plan plan) {
        static Machines hangUp(ScriptedDetector d) {
            return new Machines(d, new Voicemail.Plan.HangUp());
        }
    }

    private static Machines leave(ScriptedDetector d, int beepWaitSeconds) {
        return new Machines(d, new Voicemail.Plan.Leave(MESSAGE, beepWaitSeconds * 1_000));
    }

    private static void started(Conversation c, ScriptedCall call) {
        c.prepare();
        call.settle();
        c.start(call);
        call.settle();
    }

    /** The callee's audio: voice (a mailbox greeting, a beep: the VAD cannot tell) on the given tick ranges. */
    private static Function<Integer, short[]> sounds(int... fromTo) {
        return t -> {
            for (int i = 0; i < fromTo.length; i += 2) {
                if (t >= fromTo[i] && t < fromTo[i + 1]) {
                    return ScriptedCall.voice(t);
                }
            }
            return ScriptedCall.QUIET;
        };
    }

    private static int sentBetween(ScriptedCall call, int from, int to) {
        int n = 0;
        for (int i = from; i < to && i < call.sent.size(); i++) {
            n += call.sent.get(i) ? 1 : 0;
        }
        return n;
    }

    private static TranscriptTurn lastAssistantTurn(ScriptedCall call) {
        return call.turns.stream().filter(t -> t.speaker().equals("assistant")).reduce((a, b) -> b).orElseThrow();
    }

    @Test
    void aMachineCutsTheGreetingAndTheWholeMessagePlaysAfterTheBeepThenTheCallEndsVoicemail() {
        ScriptedCall call = new ScriptedCall();
        var detector = new ScriptedDetector().at(30, Who.machine, false).at(145, Who.machine, true).beepEndsAt(145);
        Conversation c = conversation(call, new ScriptedCall.ScriptedStt(), leave(detector, 30));
        started(c, call);
        // The mailbox is quiet for 600 ms, then talks (from tick 35), then beeps (ticks 125 to 145).
        call.run(400, sounds(35, 120, 125, 145));
        c.stop();

        assertThat(call.firstSentTick()).as("the greeting is not held for the detector").isLessThanOrEqualTo(1);
        assertThat(sentBetween(call, 0, 31)).as("the greeting plays until the verdict").isGreaterThanOrEqualTo(29);
        assertThat(sentBetween(call, 32, 145)).as("silence from the verdict to the beep's end").isZero();
        int first = call.sent.subList(32, call.sent.size()).indexOf(true) + 32;
        assertThat(first).as("the message starts as the beep ends (the tick it is heard, or the next)").isBetween(145, 146);
        assertThat(sentBetween(call, first, call.sent.size())).as("the whole message, nine words").isEqualTo(90);
        assertThat(call.hungUp).isEqualTo("voicemail");
        assertThat(call.hangupTick).as("hung up once the message has played").isBetween(first + 90, first + 92);
        assertThat(call.hangupDetail).isEqualTo("left a message on an answering machine");

        TranscriptTurn greeting = call.turns.getFirst();
        assertThat(greeting.interrupted()).isTrue();
        assertThat(GREETING).startsWith(greeting.text());
        TranscriptTurn message = lastAssistantTurn(call);
        assertThat(message.text()).isEqualTo(MESSAGE);
        assertThat(message.interrupted()).isFalse();
        assertThat(message.startMs()).isGreaterThanOrEqualTo(ScriptedDetector.ms(145));
        assertThat(inputs).as("the mailbox's greeting got no reply").extracting(i -> i.getClass().getSimpleName())
                .containsExactly("Answered");
        assertThat(call.answeredBy).extracting(AnsweredBy::who, AnsweredBy::beep).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Who.machine, false), org.assertj.core.groups.Tuple.tuple(Who.machine, true));
        assertThat(detector.frames.subList(0, 3)).as("every callee frame, in ms after the answer").containsExactly(20, 40, 60);
    }

    @Test
    void withHangupTheCallEndsVoicemailAtTheVerdict() {
        ScriptedCall call = new ScriptedCall();
        var detector = new ScriptedDetector().at(40, Who.machine, false);
        Conversation c = conversation(call, new ScriptedCall.ScriptedStt(),
                Machines.hangUp(detector));
        started(c, call);
        call.run(200, sounds(0, 200));
        c.stop();
        assertThat(call.hungUp).isEqualTo("voicemail");
        assertThat(call.hangupDetail).isEqualTo("an answering machine answered");
        assertThat(call.hangupTick).as("on the verdict's tick or the next").isBetween(40, 41);
        assertThat(call.lastSentTick(0)).isLessThanOrEqualTo(40);
        assertThat(call.answeredBy).extracting(AnsweredBy::who).containsExactly(Who.machine);
    }

    @Test
    void withNoBeepTheMessageStartsWhenTheMailboxHasBeenQuietForOneAndAHalfSeconds() {
        ScriptedCall call = new ScriptedCall();
        var detector = new ScriptedDetector().at(30, Who.machine, false);
        Conversation c = conversation(call, new ScriptedCall.ScriptedStt(), leave(detector, 30));
        started(c, call);
        call.run(400, sounds(35, 120));
        c.stop();
        int quietFrom = 120 + 4; // the VAD's hangover bridges four frames
        int first = call.sent.subList(31, call.sent.size()).indexOf(true) + 31;
        assertThat(first).as("75 ticks of quiet after the greeting").isBetween(quietFrom + 73, quietFrom + 77);
        assertThat(sentBetween(call, first, call.sent.size())).isEqualTo(90);
        assertThat(call.hungUp).isEqualTo("voicemail");
    }

    @Test
    void aMailboxThatNeitherBeepsNorStopsGetsTheMessageAtBeepWaitSeconds() {
        ScriptedCall call = new ScriptedCall();
        var detector = new ScriptedDetector().at(30, Who.machine, false);
        Conversation c = conversation(call, new ScriptedCall.ScriptedStt(), leave(detector, 2));
        started(c, call);
        // Sentences with short pauses (a steady tone would become the VAD's noise floor within two seconds).
        call.run(400, t -> t % 60 < 50 ? ScriptedCall.voice(t) : ScriptedCall.QUIET);
        c.stop();
        int first = call.sent.subList(31, call.sent.size()).indexOf(true) + 31;
        assertThat(first).as("two seconds after the verdict").isBetween(30 + 100, 30 + 100 + 1);
        assertThat(lastAssistantTurn(call).text()).isEqualTo(MESSAGE);
        assertThat(call.hungUp).isEqualTo("voicemail");
    }

    /**
     * A detector that first hears a person and then a mailbox (a greeting that sounded like
     * "Hello?") while the assistant's greeting plays: the same as a machine from the start, at the
     * moment it changes its mind. Both verdicts are recorded, in order.
     */
    @Test
    void aHumanVerdictThatTurnsIntoMachineMidGreetingCutsItThere() {
        ScriptedCall call = new ScriptedCall();
        var detector = new ScriptedDetector().at(5, Who.human, false).at(60, Who.machine, true).beepEndsAt(80);
        Conversation c = conversation(call, new ScriptedCall.ScriptedStt(), leave(detector, 30));
        started(c, call);
        call.run(300, sounds(62, 80));
        c.stop();
        assertThat(call.firstSentTick()).isLessThanOrEqualTo(1);
        assertThat(sentBetween(call, 0, 61)).isGreaterThanOrEqualTo(59);
        assertThat(sentBetween(call, 62, 80)).isZero();
        int first = call.sent.subList(62, call.sent.size()).indexOf(true) + 62;
        assertThat(first).isBetween(80, 81);
        assertThat(sentBetween(call, first, call.sent.size())).isEqualTo(90);
        assertThat(call.answeredBy).extracting(AnsweredBy::who).containsExactly(Who.human, Who.machine);
        assertThat(call.hungUp).isEqualTo("voicemail");
    }

    @Test
    void aPersonGetsTheNormalConversation() {
        ScriptedCall call = new ScriptedCall();
        var stt = new ScriptedCall.ScriptedStt("yes");
        var detector = new ScriptedDetector().at(10, Who.human, false).settledAt(50);
        Conversation c = conversation(call, stt, leave(detector, 30));
        started(c, call);
        call.run(300, sounds(150, 170));
        c.stop();
        assertThat(call.firstSentTick()).isLessThanOrEqualTo(1);
        assertThat(call.turns).extracting(TranscriptTurn::speaker, TranscriptTurn::text).containsExactly(
                org.assertj.core.groups.Tuple.tuple("assistant", GREETING),
                org.assertj.core.groups.Tuple.tuple("caller", "yes"),
                org.assertj.core.groups.Tuple.tuple("assistant", "great see you then"));
        assertThat(call.hungUp).isEqualTo("assistant-ended");
        assertThat(call.answeredBy).extracting(AnsweredBy::who).containsExactly(Who.human);
        assertThat(detector.frames).as("a settled detector is not fed").hasSize(51);
    }

    @Test
    void aFaxIsHungUpOnAtOnceWhateverTheAction() {
        ScriptedCall call = new ScriptedCall();
        var detector = new ScriptedDetector().at(20, Who.fax, false);
        Conversation c = conversation(call, new ScriptedCall.ScriptedStt(), leave(detector, 30));
        started(c, call);
        call.run(200, sounds(0, 200));
        c.stop();
        assertThat(call.hungUp).isEqualTo("voicemail");
        assertThat(call.hangupDetail).isEqualTo("a fax machine answered");
        assertThat(call.hangupTick).isBetween(20, 21);
        assertThat(call.turns).extracting(TranscriptTurn::text).doesNotContain(MESSAGE);
    }

    @Test
    void theRecognizersWordsReachTheDetectorAndACarrierVerdictWinsOverIt() {
        ScriptedCall call = new ScriptedCall();
        var stt = new ScriptedCall.StreamingStt().on(3, new SttEvent.Interim("you have reached sam"));
        var detector = new ScriptedDetector().at(2, Who.human, false);
        Conversation c = conversation(call, stt, Machines.hangUp(detector));
        started(c, call);
        call.run(50, sounds(0, 50));
        assertThat(detector.words).containsExactly("you have reached sam");
        assertThat(call.hungUp).isNull();
        c.answeredBy(new AnsweredBy(Who.machine, false, 1.0, 1_000));
        call.run(10, sounds(0, 10));
        c.stop();
        assertThat(call.hungUp).isEqualTo("voicemail");
        assertThat(call.answeredBy).extracting(AnsweredBy::who).containsExactly(Who.human, Who.machine);
    }

    @Test
    void aCallThatEndsBeforeAnyVerdictIsRecordedUnknown() {
        ScriptedCall call = new ScriptedCall();
        Conversation c = conversation(call, new ScriptedCall.ScriptedStt(), Machines.hangUp(new ScriptedDetector()));
        started(c, call);
        call.run(50, sounds());
        c.stop();
        assertThat(call.answeredBy).extracting(AnsweredBy::who, AnsweredBy::decidedAfterMs)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Who.unknown, 1_000));
    }
}
