package dev.parley.conversation;

import dev.parley.call.EndReason;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.ai.Responder;
import dev.parley.ai.Responder.Input;
import dev.parley.ai.Responder.Part;
import dev.parley.ai.SpeechToText.SttEvent;
import dev.parley.call.TranscriptTurn;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The conversation loop on scripted timelines (20 ms ticks in real time): who speaks when, what the
 * assistant sends on each tick, what the transcript keeps. Speech is a tone, the recognizer's
 * answers are scripted; the SIP tests cover the same with real audio.
 */
@Tag("unit")
class ConversationTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private final List<Long> bargeIns = new CopyOnWriteArrayList<>();

    private Conversation conversation(ScriptedCall call, ScriptedCall.ScriptedStt stt, Function<Input, List<Part>> script) {
        return driven(call, stt, new Conversation("c1", TurnTaking.DEFAULTS, true, ScriptedCall.responder(script), stt,
                new ScriptedCall.WordVoice(), call, new Conversation.Observer() {
                    @Override
                    public void bargeIn(long stopMillis) {
                        bargeIns.add(stopMillis);
                    }
                }));
    }

    private static Conversation driven(ScriptedCall call, ScriptedCall.ScriptedStt stt, Conversation c) {
        call.drives(c, stt);
        return c;
    }

    private static Function<Integer, short[]> speaks(int from, int to) {
        return t -> t >= from && t < to ? ScriptedCall.voice(t) : ScriptedCall.QUIET;
    }

    private static void started(Conversation c, ScriptedCall call) {
        c.prepare();
        call.settle(); // the phone rings while the greeting is made
        c.start(call);
        call.settle();
    }

    @Test
    void theGreetingStartsOnTheFirstTickAfterTheAnswer() throws Exception {
        ScriptedCall call = new ScriptedCall();
        Conversation c = conversation(call, new ScriptedCall.ScriptedStt(), in -> List.of(
                new Part.Say("hello there friend", true), new Part.Listen(List.of("yes"), LONG)));
        started(c, call);
        call.run(60, t -> ScriptedCall.QUIET);
        c.stop();
        assertThat(call.firstSentTick()).as("first audio tick").isLessThanOrEqualTo(1);
        assertThat(call.sent.stream().filter(b -> b).count()).as("three words, ten frames each").isEqualTo(30);
        TranscriptTurn greeting = call.turns.getFirst();
        assertThat(greeting.speaker()).isEqualTo("assistant");
        assertThat(greeting.text()).isEqualTo("hello there friend");
        assertThat(greeting.interrupted()).isFalse();
        assertThat(greeting.latency()).isNotNull();
        assertThat(greeting.endMs() - greeting.startMs()).isEqualTo(600);
    }

    @Test
    void aYesIsHeardAnsweredAndTheCallEndsAfterTheClosingLine() throws Exception {
        ScriptedCall call = new ScriptedCall();
        var stt = new ScriptedCall.ScriptedStt("yes");
        Conversation c = conversation(call, stt, in -> switch (in) {
            case Input.Answered a -> List.of(new Part.Say("can you make it", true), new Part.Listen(List.of("yes", "no"), LONG));
            case Input.Heard h when h.text().equals("yes") -> List.of(new Part.Say("great", false), new Part.EndCall(EndReason.ASSISTANT_ENDED));
            default -> List.of(new Part.Say("sorry", true));
        });
        started(c, call);
        call.run(200, speaks(60, 80));
        c.stop();
        assertThat(call.hungUp).isEqualTo("assistant-ended");
        assertThat(call.turns).extracting(TranscriptTurn::speaker, TranscriptTurn::text).containsExactly(
                org.assertj.core.groups.Tuple.tuple("assistant", "can you make it"),
                org.assertj.core.groups.Tuple.tuple("caller", "yes"),
                org.assertj.core.groups.Tuple.tuple("assistant", "great"));
        assertThat(stt.expected.getFirst()).containsExactly("yes", "no");
        assertThat(stt.framesSent).as("the utterance with its pre-roll reached the recognizer").isGreaterThanOrEqualTo(20);
        TranscriptTurn caller = call.turns.get(1);
        assertThat(caller.startMs()).isBetween(60 * 20L - 60, 60 * 20L + 200);
        assertThat(caller.endMs()).isBetween(80 * 20L - 20, 80 * 20L + 120);
        TranscriptTurn answer = call.turns.get(2);
        assertThat(answer.latency().endpointingMs()).isBetween(480, 540);
        assertThat(answer.startMs()).as("answered after 500 ms of silence, not before")
                .isBetween(caller.endMs() + 480, caller.endMs() + 700);
    }

    @Test
    void speakingOverTheAssistantCutsItAtTheNextTickAndTheTranscriptKeepsWhatWasPlayed() throws Exception {
        ScriptedCall call = new ScriptedCall();
        var stt = new ScriptedCall.ScriptedStt("stop");
        String longLine = "this is a long message with many words that goes on and on so that the caller has time to interrupt it";
        Conversation c = conversation(call, stt, in -> switch (in) {
            case Input.Answered a -> List.of(new Part.Say(longLine, true), new Part.Say("and another one", true),
                    new Part.Listen(List.of(), LONG));
            case Input.Heard h -> List.of(new Part.Say("okay", false), new Part.EndCall(EndReason.ASSISTANT_ENDED));
            default -> List.of();
        });
        started(c, call);
        call.run(250, speaks(50, 80));
        c.stop();
        int stoppedAfter = call.lastSentTick(0);
        // The assistant's audio runs until the barge-in (onset + 150 ms), then resumes only for "okay".
        int lastOfGreeting = -1;
        for (int i = 50; i < 80; i++) {
            if (call.sent.get(i)) {
                lastOfGreeting = i;
            }
        }
        assertThat(lastOfGreeting - 50).as("ticks from speech onset to silence").isBetween(5, 12);
        assertThat(bargeIns).hasSize(1);
        assertThat(bargeIns.getFirst()).isBetween(100L, 250L);
        TranscriptTurn cut = call.turns.getFirst();
        assertThat(cut.interrupted()).isTrue();
        assertThat(longLine).startsWith(cut.text());
        assertThat(cut.text().split(" ")).hasSizeBetween(4, 7);
        assertThat(cut.latency()).as("a reply cut while it played keeps how long it took to start").isNotNull();
        assertThat(call.turns).extracting(TranscriptTurn::text).doesNotContain("and another one");
        assertThat(call.turns).extracting(TranscriptTurn::text).containsSubsequence("stop", "okay");
        assertThat(call.hungUp).isEqualTo("assistant-ended");
        assertThat(stoppedAfter).isGreaterThan(80);
    }

    /**
     * A media stream that buffers (a carrier's WebSocket) holds audio the caller has not heard yet.
     * At a barge-in it is told to drop it, and the transcript keeps only what was played there.
     */
    @Test
    void aBargeInClearsWhatTheFarEndHoldsAndTheTranscriptKeepsOnlyWhatItPlayed() throws Exception {
        ScriptedCall call = new ScriptedCall();
        call.unplayed = 40 * 160; // 800 ms sent but not yet played at the far end: four words
        var stt = new ScriptedCall.ScriptedStt("stop");
        String longLine = "this is a long message with many words that goes on and on so that the caller has time to interrupt it";
        Conversation c = conversation(call, stt, in -> switch (in) {
            case Input.Answered a -> List.of(new Part.Say(longLine, true), new Part.Listen(List.of(), LONG));
            case Input.Heard h -> List.of(new Part.Say("okay", false), new Part.EndCall(EndReason.ASSISTANT_ENDED));
            default -> List.of();
        });
        started(c, call);
        call.run(200, speaks(50, 80));
        c.stop();
        assertThat(call.cleared).as("the far end was told to drop what it held").isEqualTo(1);
        TranscriptTurn cut = call.turns.getFirst();
        assertThat(cut.interrupted()).isTrue();
        assertThat(longLine).startsWith(cut.text());
        // About 58 frames went out (5.8 words at 10 frames a word); 40 of them were never heard.
        assertThat(cut.text().split(" ")).hasSizeBetween(1, 3);
    }

    @Test
    void aShortSoundOverTheAssistantDoesNotInterruptIt() throws Exception {
        ScriptedCall call = new ScriptedCall();
        var stt = new ScriptedCall.ScriptedStt("mm");
        Conversation c = conversation(call, stt, in -> switch (in) {
            case Input.Answered a -> List.of(new Part.Say("one two three four five six seven eight", true), new Part.Listen(List.of(), LONG));
            default -> List.of(new Part.Say("what", true));
        });
        started(c, call);
        call.run(120, speaks(30, 36)); // 120 ms: an utterance, but shorter than barge_in_min_ms
        c.stop();
        assertThat(call.turns.getFirst().interrupted()).isFalse();
        assertThat(call.turns.getFirst().text()).isEqualTo("one two three four five six seven eight");
        assertThat(call.turns).extracting(TranscriptTurn::speaker).containsOnly("assistant");
        assertThat(stt.framesSent).as("a backchannel is not sent to the recognizer").isZero();
    }

    @Test
    void silenceRepromptsThenEndsWithSilenceTimeout() throws Exception {
        ScriptedCall call = new ScriptedCall();
        List<Input> inputs = new CopyOnWriteArrayList<>();
        Conversation c = conversation(call, new ScriptedCall.ScriptedStt(), in -> {
            inputs.add(in);
            return switch (in) {
                case Input.Answered a -> List.of(new Part.Say("hi", true), new Part.Listen(List.of(), Duration.ofSeconds(1)));
                case Input.NoInput n when inputs.size() == 2 -> List.of(new Part.Say("are you there", true),
                        new Part.Listen(List.of(), Duration.ofSeconds(1)));
                default -> List.of(new Part.Say("goodbye", false), new Part.EndCall(EndReason.SILENCE_TIMEOUT));
            };
        });
        started(c, call);
        call.run(250, t -> ScriptedCall.QUIET);
        c.stop();
        assertThat(inputs).extracting(i -> i.getClass().getSimpleName()).containsExactly("Answered", "NoInput", "NoInput");
        assertThat(call.hungUp).isEqualTo("silence-timeout");
        TranscriptTurn reprompt = call.turns.get(1);
        assertThat(reprompt.text()).isEqualTo("are you there");
        assertThat(reprompt.startMs() - call.turns.getFirst().endMs()).as("waited the step's 1 s").isBetween(980L, 1100L);
    }

    @Test
    void aKeyPressedDuringSpeechInterruptsAndIsAnswered() throws Exception {
        ScriptedCall call = new ScriptedCall();
        Conversation c = conversation(call, new ScriptedCall.ScriptedStt(), in -> switch (in) {
            case Input.Answered a -> List.of(new Part.Say("press one for sales or two for support please", true),
                    new Part.Listen(List.of(), LONG));
            case Input.Digit d -> List.of(new Part.Say("you pressed " + d.digit(), false), new Part.SendDtmf("9"),
                    new Part.EndCall(EndReason.ASSISTANT_ENDED));
            default -> List.of();
        });
        started(c, call);
        call.run(20, t -> ScriptedCall.QUIET);
        c.digit('1');
        call.run(100, t -> ScriptedCall.QUIET);
        c.stop();
        assertThat(call.turns.getFirst().interrupted()).isTrue();
        assertThat(call.turns.get(1).text()).isEqualTo("you pressed 1");
        assertThat(call.digitsSent).containsExactly("9");
        assertThat(call.hungUp).isEqualTo("assistant-ended");
    }

    @Test
    void aHangUpMidSentenceKeepsWhatWasSaidMarkedInterrupted() throws Exception {
        ScriptedCall call = new ScriptedCall();
        Conversation c = conversation(call, new ScriptedCall.ScriptedStt(), in -> List.of(
                new Part.Say("one two three four five six seven eight nine ten", true), new Part.Listen(List.of(), LONG)));
        started(c, call);
        call.run(40, t -> ScriptedCall.QUIET);
        c.stop();
        TranscriptTurn t = call.turns.getFirst();
        assertThat(t.interrupted()).isTrue();
        assertThat(t.text()).isIn("one two three", "one two three four", "one two three four five");
    }

    @Test
    void theCalleeSpeaksFirstWhenTheAssistantSaysSo() throws Exception {
        ScriptedCall call = new ScriptedCall();
        var stt = new ScriptedCall.ScriptedStt("hello");
        List<Input> inputs = new CopyOnWriteArrayList<>();
        Conversation c = driven(call, stt, new Conversation("c2", TurnTaking.DEFAULTS, false, ScriptedCall.responder(in -> {
            inputs.add(in);
            return List.of(new Part.Say("hi this is parley", true), new Part.Listen(List.of(), LONG));
        }), stt, new ScriptedCall.WordVoice(), call, new Conversation.Observer() { }));
        started(c, call);
        call.run(120, speaks(20, 40));
        c.stop();
        assertThat(call.firstSentTick()).as("silent until the callee spoke and paused").isGreaterThan(60);
        assertThat(inputs).hasSize(1).first().isInstanceOf(Input.Answered.class);
        assertThat(call.turns).extracting(TranscriptTurn::speaker).containsExactly("caller", "assistant");
    }

    @Test
    void anAnswerThatArrivesAfterTheCallEndedStartsNothing() throws Exception {
        ScriptedCall call = new ScriptedCall();
        var closed = new java.util.concurrent.atomic.AtomicBoolean();
        var stt = new ScriptedCall.ScriptedStt() {
            @Override
            public void close() {
                closed.set(true);
            }

            @Override
            public dev.parley.ai.SpeechToText.SttEvent next(Duration timeout) throws InterruptedException {
                if (closed.get()) {
                    return null; // a closed session answers at once
                }
                return super.next(timeout);
            }
        };
        Conversation c = conversation(call, stt, in -> List.of(new Part.Say("hello", true)));
        c.prepare();
        c.stop();   // a BYE or a failure crossed the 200 OK
        c.start(call);
        call.run(20, t -> ScriptedCall.QUIET);
        assertThat(closed).isTrue();
        assertThat(call.firstSentTick()).as("nothing is said on an ended call").isEqualTo(-1);
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("conversation-c1"));
    }

    @Test
    void aVoiceThatFailsLeavesATurnThatSaysWhyAndTheCallGoesOn() throws Exception {
        ScriptedCall call = new ScriptedCall();
        var words = new ScriptedCall.WordVoice();
        dev.parley.ai.TextToSpeech failing = new dev.parley.ai.TextToSpeech() {
            @Override
            public Speech synthesize(String text) {
                if (text.equals("broken line")) {
                    throw new IllegalStateException("no FreeTTS voice free within 5 s (speech.voices=1)");
                }
                return words.synthesize(text);
            }

            @Override
            public void close() {
            }
        };
        var stt = new ScriptedCall.ScriptedStt();
        Conversation c = driven(call, stt, new Conversation("c3", TurnTaking.DEFAULTS, true, ScriptedCall.responder(in -> List.of(
                new Part.Say("broken line", true), new Part.Say("still here", true), new Part.Listen(List.of(), LONG))),
                stt, failing, call, new Conversation.Observer() { }));
        started(c, call);
        call.run(60, t -> ScriptedCall.QUIET);
        c.stop();
        assertThat(call.turns).extracting(TranscriptTurn::text, TranscriptTurn::error).containsExactly(
                org.assertj.core.groups.Tuple.tuple("", "the voice failed: no FreeTTS voice free within 5 s (speech.voices=1)"),
                org.assertj.core.groups.Tuple.tuple("still here", null));
    }

    @Test
    void noiseBurstsAndSteadyHumAreNotSpeech() {
        TurnDetector d = new TurnDetector(TurnTaking.DEFAULTS);
        int started = 0;
        for (int t = 0; t < 500; t++) {
            short[] f = new short[160];
            for (int i = 0; i < 160; i++) {
                f[i] = (short) (t >= 100 ? 1500 * Math.sin(2 * Math.PI * 50 * (t * 160 + i) / 8000.0) : 0); // a hum from 2 s on
            }
            if (t % 50 == 0) {
                f = ScriptedCall.voice(t); // a 20 ms click every second
            }
            if (d.feed(f) != TurnDetector.Signal.NONE && t < 100) {
                started++;
            }
        }
        assertThat(started).as("clicks shorter than min_utterance_ms").isZero();
        assertThat(d.inUtterance()).as("a steady hum becomes the noise floor").isFalse();
    }

    @Test
    void aStreamingRecognizersFinalsMakeTheTurnAndItsEndpointingEndsItBeforeOurs() throws Exception {
        ScriptedCall call = new ScriptedCall();
        // The caller speaks on ticks 60-80; the recognizer sends its final and ends the turn at frame 86,
        // 120 ms after the last word, where our own endpointing would wait 500 ms (tick 105).
        var stt = new ScriptedCall.StreamingStt()
                .on(85, new SttEvent.Final("yes please", null, 80 * 20))
                .on(86, new SttEvent.SpeechEnded());
        List<Input> inputs = new CopyOnWriteArrayList<>();
        Conversation c = conversation(call, stt, in -> {
            inputs.add(in);
            return in instanceof Input.Answered ? List.of(new Part.Say("hello", true)) : List.of(new Part.Say("good", true));
        });
        started(c, call);
        call.run(140, speaks(60, 80));
        c.stop();
        assertThat(inputs).contains(new Input.Heard("yes please"));
        assertThat(stt.framesSent).as("a streaming recognizer hears the whole call").isGreaterThanOrEqualTo(139);
        assertThat(stt.finishes).as("the recognizer ended the turn; nothing to flush").isZero();
        TranscriptTurn answer = call.turns.stream().filter(t -> t.text().equals("good")).findFirst().orElseThrow();
        assertThat(answer.startMs()).as("answered at the recognizer's end of turn, before our 500 ms").isLessThan(100 * 20);
    }

    @Test
    void aStreamingFinalForABackchannelOverTheAssistantIsNotPartOfTheNextTurn() throws Exception {
        ScriptedCall call = new ScriptedCall();
        String longLine = "one two three four five six seven eight nine ten eleven twelve";
        var stt = new ScriptedCall.StreamingStt()
                .on(30, new SttEvent.Final("mm hmm", null, 26 * 20))
                .on(31, new SttEvent.SpeechEnded())
                .on(150, new SttEvent.Final("yes", null, 140 * 20))
                .on(151, new SttEvent.SpeechEnded());
        List<Input> inputs = new CopyOnWriteArrayList<>();
        Conversation c = conversation(call, stt, in -> {
            inputs.add(in);
            return in instanceof Input.Answered ? List.of(new Part.Say(longLine, true)) : List.of(new Part.Say("ok", true));
        });
        started(c, call);
        // 120 ms of "mm hmm" over the greeting (shorter than barge_in_min_ms), then "yes" once it is over.
        call.run(200, t -> (t >= 20 && t < 26) || (t >= 130 && t < 140) ? ScriptedCall.voice(t) : ScriptedCall.QUIET);
        c.stop();
        assertThat(inputs).containsExactly(new Input.Answered(), new Input.Heard("yes"));
        assertThat(call.turns.getFirst().interrupted()).as("a backchannel does not interrupt").isFalse();
    }

    @Test
    void aReplyThatDoesNotListenGetsTheAssistantsNoInputTimeoutAndTwoSilencesEndTheCall() throws Exception {
        ScriptedCall call = new ScriptedCall();
        List<Input> inputs = new CopyOnWriteArrayList<>();
        TurnTaking oneSecond = new TurnTaking(500, true, 150, 120, 10, Duration.ofSeconds(1));
        Conversation c = driven(call, null, new Conversation("c1", oneSecond, true, ScriptedCall.responder(in -> {
            inputs.add(in);
            return List.of(new Part.Say(in instanceof Input.Answered ? "hi" : "are you there", true));
        }), new ScriptedCall.ScriptedStt(), new ScriptedCall.WordVoice(), call, new Conversation.Observer() { }));
        started(c, call);
        call.run(400, t -> ScriptedCall.QUIET);
        c.stop();
        assertThat(inputs).containsExactly(new Input.Answered(), new Input.NoInput());
        assertThat(call.hungUp).isEqualTo("silence-timeout");
        // "hi" plays 200 ms; the re-prompt comes a second later, and the hang-up a second after its 600 ms.
        int reprompt = (int) call.turns.get(1).startMs();
        assertThat(reprompt).isBetween(1150, 1300);
        assertThat(call.hangupTick * 20).isBetween(reprompt + 600 + 1000 - 40, reprompt + 600 + 1250);
    }

    @Test
    void aResponderThatFailsForGoodApologizesAndEndsTheCallNamingTheProvider() throws Exception {
        ScriptedCall call = new ScriptedCall();
        var failure = dev.parley.ai.ProviderFailure.of("openai", true, "openai stalled: nothing arrived for 3000 ms");
        Conversation c = conversation(call, new ScriptedCall.ScriptedStt("hello"), in -> in instanceof Input.Answered
                ? List.of(new Part.Say("hi", true), new Part.Listen(List.of(), LONG))
                : List.of(new Part.Failed(failure)));
        started(c, call);
        call.run(600, speaks(30, 50));
        c.stop();
        assertThat(call.hungUp).isEqualTo("provider-error");
        assertThat(call.hangupDetail).contains("openai");
        assertThat(call.turns).extracting(TranscriptTurn::text).contains(Conversation.APOLOGY);
        int apologyEnd = (int) call.turns.getLast().endMs();
        assertThat(call.hangupTick * 20).as("hung up once the apology played").isBetween(apologyEnd - 20, apologyEnd + 100);
    }

    @Test
    void aVoiceThatFailsForGoodIsReplacedByTheOfflineVoiceForTheApology() throws Exception {
        ScriptedCall call = new ScriptedCall();
        Conversation c = driven(call, null, new Conversation("c1", TurnTaking.DEFAULTS, true, new Conversation.Providers(
                ScriptedCall.responder(in -> List.of(new Part.Say("hello there", true))), new ScriptedCall.ScriptedStt(),
                new ScriptedCall.FailingVoice(), new ScriptedCall.WordVoice(), new dev.parley.ai.Usage(), () -> { }),
                call, new Conversation.Observer() { }));
        started(c, call);
        call.run(400, t -> ScriptedCall.QUIET);
        c.stop();
        assertThat(call.hungUp).isEqualTo("provider-error");
        assertThat(call.hangupDetail).contains("elevenlabs");
        assertThat(call.firstSentTick()).as("the apology is heard, not dead air").isBetween(0, 5);
        assertThat(call.turns).extracting(TranscriptTurn::text).contains(Conversation.APOLOGY);
    }

    @Test
    void aTransferGoesOutOnceTheLineBeforeItPlayedAndARefusalIsToldToTheResponder() throws Exception {
        ScriptedCall call = new ScriptedCall();
        call.refuseTransfers = true;
        List<Input> inputs = new CopyOnWriteArrayList<>();
        Conversation c = conversation(call, new ScriptedCall.ScriptedStt(), in -> {
            inputs.add(in);
            return switch (in) {
                case Input.Answered a -> List.of(new Part.Say("connecting you now", false), new Part.Transfer("+14155550100"));
                case Input.TransferFailed f -> List.of(new Part.Say("sorry nobody is there", false),
                        new Part.EndCall(EndReason.ASSISTANT_ENDED));
                default -> List.of();
            };
        });
        started(c, call);
        call.run(200, t -> ScriptedCall.QUIET);
        c.stop();
        assertThat(call.transfers).containsExactly("+14155550100");
        assertThat(inputs).hasSize(2);
        assertThat(inputs.get(1)).isInstanceOf(Input.TransferFailed.class);
        assertThat(call.turns).extracting(TranscriptTurn::text).containsExactly("connecting you now", "sorry nobody is there");
        assertThat(call.hungUp).isEqualTo("assistant-ended");
    }
}
