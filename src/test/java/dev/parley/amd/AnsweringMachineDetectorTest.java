package dev.parley.amd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.amd.AnsweredBy.Who;
import dev.parley.support.AmdCases;
import dev.parley.support.AmdCases.Beep;
import dev.parley.support.AmdCases.Case;
import dev.parley.support.AmdCases.Ced;
import dev.parley.support.AmdCases.Cng;
import dev.parley.support.AmdCases.Pause;
import dev.parley.support.AmdCases.Recipe;
import dev.parley.support.AmdCases.Say;
import dev.parley.support.AmdCases.Step;
import dev.parley.support.AmdScore;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/** The detector's rules, one at a time, on espeak-ng speech and synthetic tones, and on a slice of the labelled set. */
@Tag("speech")
class AnsweringMachineDetectorTest {
    private static final String GREETING = "You have reached the voicemail of Alex Morgan. I am not available right now."
            + " Please leave a message after the tone.";

    @Test
    void aSliceOfTheLabelledSetIsRight() {
        List<Recipe> all = AmdCases.recipes();
        List<Recipe> slice = IntStream.range(0, all.size()).filter(i -> i % 8 == 3).mapToObj(all::get)
                .filter(r -> !r.kind().equals(AmdScore.HARD)).toList();
        assertThat(slice).hasSizeGreaterThanOrEqualTo(28);
        for (Case c : AmdCases.build(slice)) {
            AmdScore.Outcome o = AmdScore.run(c, false);
            assertThat(o.correct()).as(o.toString()).isTrue();
            assertThat(o.expected().equals("human") && o.everMachine()).as(o.toString()).isFalse();
        }
    }

    @Test
    void aShortHelloThenQuietIsAPersonSoon() {
        Run run = run("en-US", new Pause(400), new Say("Hello?"), new Pause(3000));
        assertThat(run.first.who()).isEqualTo(Who.human);
        assertThat(run.first.decidedAfterMs()).isBetween(1_500, 2_500);
        assertThat(run.first.confidence()).isGreaterThan(0.7);
        assertThat(run.detector.settled()).isFalse();
    }

    @Test
    void theBeepEndsWhereTheToneEnds() {
        Case c = build("en-US", new Pause(300), new Say(GREETING), new Pause(400), new Beep(1_400, 300), new Pause(1_000));
        Run run = run(c, false);
        AnsweredBy v = run.detector.verdict().orElseThrow();
        assertThat(v.who()).isEqualTo(Who.machine);
        assertThat(v.beep()).isTrue();
        assertThat(run.detector.beepAt().orElseThrow()).isCloseTo(c.beepEndMs().orElseThrow(), org.assertj.core.data.Offset.offset(40));
        assertThat(run.detector.settled()).isTrue();
        assertThat(run.first.who()).as("machine before the beep, from the monologue").isEqualTo(Who.machine);
        assertThat(run.first.decidedAfterMs()).isLessThan(4_000);
    }

    @Test
    void aHundredMillisecondBeepAfterAShortGreetingIsHeard() {
        Case c = build("en-US", new Say("Leave a message."), new Pause(200), new Beep(440, 100), new Pause(2_000));
        Run run = run(c, false);
        assertThat(run.detector.verdict().orElseThrow().beep()).isTrue();
        assertThat(run.detector.beepAt().orElseThrow()).isCloseTo(c.beepEndMs().orElseThrow(), org.assertj.core.data.Offset.offset(40));
    }

    @Test
    void anAnsweringFaxIsSureWithinItsCed() {
        Run run = run("en-US", new Pause(500), new Ced(3_300), new Pause(500));
        assertThat(run.first.who()).isEqualTo(Who.fax);
        assertThat(run.first.confidence()).isGreaterThan(0.9);
        assertThat(run.first.decidedAfterMs()).isBetween(1_400, 1_700);
        assertThat(run.detector.settled()).isTrue();
    }

    @Test
    void aSendingFaxIsAFaxAtItsFirstCngAndSureAtItsSecond() {
        Case c = build("en-US", new Pause(300), new Cng(1), new Pause(200));
        assertThat(run(c, false).detector.verdict().orElseThrow()).extracting(AnsweredBy::who, AnsweredBy::confidence)
                .containsExactly(Who.fax, 0.7);
        Run two = run("en-US", new Pause(300), new Cng(2), new Pause(200));
        assertThat(two.detector.verdict().orElseThrow().confidence()).isGreaterThan(0.9);
        assertThat(two.detector.settled()).isTrue();
    }

    @Test
    void aCngLikeToneAfterAGreetingIsABeep() {
        Case c = build("en-US", new Say(GREETING), new Pause(300), new Beep(1_100, 500), new Pause(1_000));
        AnsweredBy v = run(c, false).detector.verdict().orElseThrow();
        assertThat(v.who()).isEqualTo(Who.machine);
        assertThat(v.beep()).isTrue();
    }

    @Test
    void silenceIsUnknownAfterFiveSecondsAndSettlesAtTheWindow() {
        AnsweringMachineDetector d = new AnsweringMachineDetector("en-US");
        short[] quiet = new short[160];
        for (int at = 0; at < 5_000; at += 20) {
            d.frame(quiet, at);
        }
        assertThat(d.verdict().orElseThrow().who()).isEqualTo(Who.unknown);
        assertThat(d.settled()).isFalse();
        for (int at = 5_000; at < 30_000; at += 20) {
            d.frame(quiet, at);
        }
        assertThat(d.settled()).isTrue();
        assertThat(d.verdict().orElseThrow().who()).isEqualTo(Who.unknown);
    }

    @Test
    void aGreetingThatOpensLikeAPersonTurnsIntoAMachine() {
        Run run = run("en-US", new Pause(300), new Say("Hello?"), new Pause(1_200), new Say(GREETING), new Pause(2_000));
        assertThat(run.first.who()).isEqualTo(Who.human);
        AnsweredBy last = run.detector.verdict().orElseThrow();
        assertThat(last.who()).isEqualTo(Who.machine);
        assertThat(last.decidedAfterMs()).isGreaterThan(run.first.decidedAfterMs());
    }

    @Test
    void aPersonWhoAnswersAfterOurGreetingStaysAPerson() {
        // The person says hello, listens to the assistant for 4 s, then answers at length.
        Run run = run("en-US", new Pause(300), new Say("Hello?"), new Pause(4_000),
                new Say("Yes, that's me, I wanted to ask about the appointment next week, can we move it to Thursday?"),
                new Pause(1_000));
        assertThat(run.detector.verdict().orElseThrow().who()).isEqualTo(Who.human);
    }

    @Test
    void nothingTurnsAMachineWithABeepIntoAPerson() {
        Run run = run("en-US", new Pause(300), new Beep(1_000, 500), new Pause(500), new Say("Hello?"), new Pause(3_000));
        AnsweredBy v = run.detector.verdict().orElseThrow();
        assertThat(v.who()).isEqualTo(Who.machine);
        assertThat(v.beep()).isTrue();
        assertThat(run.detector.settled()).isTrue();
    }

    @Test
    void greetingWordsMakeAMachineBeforeTheCadenceCan() {
        AnsweringMachineDetector d = new AnsweringMachineDetector("en-US");
        d.frame(new short[160], 0);
        d.words("hi it's sam, I'm away so just leave a", 900);
        assertThat(d.verdict()).isEmpty();
        d.words("message after the tone", 1_400);
        assertThat(d.verdict().orElseThrow()).extracting(AnsweredBy::who, AnsweredBy::decidedAfterMs)
                .containsExactly(Who.machine, 1_400);
    }

    @Test
    void aPersonSayingNotAvailableLaterStaysAPersonButVoicemailDoesNot() {
        Case hello = build("en-US", new Pause(300), new Say("Hello?"), new Pause(2_000));
        AnsweringMachineDetector d = new AnsweringMachineDetector("en-US");
        List<short[]> frames = hello.frames();
        for (int i = 0; i < frames.size(); i++) {
            d.frame(frames.get(i), i * 20);
        }
        assertThat(d.verdict().orElseThrow().who()).isEqualTo(Who.human);
        d.words("sorry I'm not available on Tuesday", 8_000);
        assertThat(d.verdict().orElseThrow().who()).isEqualTo(Who.human);
        d.words("this is my voicemail", 9_000);
        assertThat(d.verdict().orElseThrow().who()).isEqualTo(Who.machine);
    }

    @Test
    void greetingPhrasesInTheCallsLanguageAndInEnglish() {
        for (String[] t : new String[][] {{"es-ES", "Deja tu mensaje después del tono"}, {"fr-FR", "Laissez un message après le bip"},
                {"de-DE", "Bitte hinterlassen Sie eine Nachricht"}, {"de", "Please leave a message"}}) {
            AnsweringMachineDetector d = new AnsweringMachineDetector(t[0]);
            d.words(t[1], 2_000);
            assertThat(d.verdict()).as(t[0] + ": " + t[1]).map(AnsweredBy::who).contains(Who.machine);
        }
        AnsweringMachineDetector english = new AnsweringMachineDetector("en-US");
        english.words("Deja tu mensaje después del tono", 2_000);
        assertThat(english.verdict()).isEmpty();
    }

    @Test
    void settingsThatContradictThemselvesAreRefusedWithTheirNames() {
        assertThatThrownBy(() -> new AnsweringMachineDetector.Settings(30_000, 3_000, 1_600, 500, 5_000))
                .hasMessageContaining("humanQuietMs");
        assertThatThrownBy(() -> new AnsweringMachineDetector.Settings(30_000, 1_000, 1_600, 800, 5_000))
                .hasMessageContaining("humanMaxTalkMs < machineTalkMs");
    }

    private record Run(AnsweringMachineDetector detector, AnsweredBy first) {}

    private static Run run(String language, Step... script) {
        return run(build(language, script), false);
    }

    private static Run run(Case c, boolean words) {
        AnsweringMachineDetector d = new AnsweringMachineDetector(c.recipe().language());
        AnsweredBy first = null;
        List<short[]> frames = c.frames();
        for (int i = 0; i < frames.size(); i++) {
            d.frame(frames.get(i), i * 20);
            if (first == null && d.verdict().isPresent()) {
                first = d.verdict().get();
            }
        }
        return new Run(d, first);
    }

    private static Case build(String language, Step... script) {
        return AmdCases.build(new Recipe("t", "?", "test", language, "en-us", 160, 0, "none", 0, new ArrayList<>(List.of(script))));
    }
}
