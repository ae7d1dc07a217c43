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
 * ever called a machine, at least 90 % right overall, beeps' ends found within 100 ms. Audio only,
 * then with a perfect recognizer's words.
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
        assertThat(run.of(o -> o.expected().equals("human") && o.everMachine()))
                .as("people called a machine").hasSizeLessThanOrEqualTo((int) (0.02 * run.of(o -> o.expected().equals("human")).size()));
        assertThat(run.accuracy()).as("accuracy").isGreaterThanOrEqualTo(0.90);
        assertThat(run.beepCases()).as("beeps heard, their end within 100 ms").allMatch(AmdScore.Outcome::beepWithinTolerance);
    }
}
