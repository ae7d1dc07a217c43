package dev.parley.amd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.support.AmdCases;
import dev.parley.support.AmdScore;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every labelled case of amd/cases.csv through the detector (issue 13's bar): at most 2 % of people
 * who answer and wait ever called a machine (at most 5 % with the hard talkers), at least 90 % right
 * overall, beeps' ends found within 100 ms. Audio only, then with a perfect recognizer's words.
 */
@Tag("speech")
class AmdAccuracyTest {
    private static List<AmdCases.Case> cases;

    @BeforeAll
    static void build() {
        cases = AmdCases.all();
    }

    @Test
    void theSetIsLargeEnough() {
        assertThat(cases).hasSizeGreaterThanOrEqualTo(200);
    }

    @Test
    void fromAudioAlone() {
        check(AmdScore.run(cases, false));
    }

    @Test
    void withTheRecognizersWords() {
        check(AmdScore.run(cases, true));
    }

    private static void check(AmdScore.Run run) {
        System.out.println(run.table());
        run.of(o -> !o.correct()).forEach(o -> System.out.println("  wrong: " + o));
        run.beepCases().stream().filter(o -> !o.beepWithinTolerance()).forEach(o -> System.out.println("  beep off: " + o));
        // Issue 13's 2 % holds for people who answer and wait; the few who talk for seconds without a
        // pause sound like a greeting to the cadence and are reported apart (bench/README.md), not hidden.
        assertThat(run.falseMachineOnPeopleWhoPause()).as("people who pause, called a machine").isLessThanOrEqualTo(0.02);
        assertThat(run.falseMachineOnPeople()).as("all people called a machine, talkers included").isLessThanOrEqualTo(0.05);
        assertThat(run.accuracy()).as("accuracy").isGreaterThanOrEqualTo(0.90);
        assertThat(run.beepCases()).as("beeps heard, their end within 100 ms").allMatch(AmdScore.Outcome::beepWithinTolerance);
    }
}
