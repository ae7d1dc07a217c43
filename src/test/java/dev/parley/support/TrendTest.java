package dev.parley.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The soak's leak verdict: a steady rise is a leak, noise around a flat line and a fall are not. */
@Tag("unit")
class TrendTest {

    /** Samples every 10 s for 30 minutes: base + perHour * t + noise of the given amplitude (seeded). */
    private static List<Trend.Point> series(double base, double perHour, double noise) {
        Random random = new Random(15);
        List<Trend.Point> points = new ArrayList<>();
        for (int t = 0; t <= 1800; t += 10) {
            points.add(new Trend.Point(t, base + perHour * t / 3600.0 + noise * (random.nextDouble() * 2 - 1)));
        }
        return points;
    }

    @Test
    void aSteadyRiseAboveTheToleranceGrows() {
        Trend heap = Trend.of("heap", series(250, 40, 4), 16);

        assertThat(heap.slopePerHour()).isBetween(35.0, 45.0);
        assertThat(heap.grows()).isTrue();
        assertThat(heap.verdict()).isEqualTo("GROWS");
    }

    @Test
    void noiseAroundAFlatLineIsFlat() {
        Trend heap = Trend.of("heap", series(250, 0, 8), 16);

        assertThat(Math.abs(heap.slopePerHour())).isLessThan(16);
        assertThat(heap.grows()).isFalse();
    }

    @Test
    void aRiseWithinTheToleranceIsFlat() {
        assertThat(Trend.of("threads", series(40, 3, 0.5), 5).grows()).isFalse();
    }

    @Test
    void aSlopeLostInNoiseIsNotCalledALeak() {
        // 20/h over 30 min is 10 units, against noise of +-200: the slope is not certain.
        Trend fds = Trend.of("fds", series(200, 20, 200), 10);

        assertThat(fds.standardErrorPerHour()).isGreaterThan(fds.slopePerHour() / 3);
        assertThat(fds.grows()).isFalse();
    }

    @Test
    void aFallIsNotALeak() {
        assertThat(Trend.of("connections", series(16, -30, 0.1), 1).grows()).isFalse();
    }

    @Test
    void exactlyLinearSamplesHaveNoError() {
        Trend t = Trend.of("x", List.of(new Trend.Point(0, 1), new Trend.Point(1800, 2), new Trend.Point(3600, 3)), 0.5);

        assertThat(t.slopePerHour()).isEqualTo(2.0);
        assertThat(t.standardErrorPerHour()).isZero();
        assertThat(t.grows()).isTrue();
    }

    @Test
    void tooFewSamplesAreRefused() {
        assertThatThrownBy(() -> Trend.of("x", List.of(new Trend.Point(0, 1), new Trend.Point(10, 2)), 1))
                .hasMessageContaining("at least 3 samples");
    }
}
