package dev.parley.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Scripted arrivals (milliseconds after start) against the 20 ms playout clock. */
@Tag("unit")
class JitterBufferTest {
    private static short[] frame(int marker) {
        short[] f = new short[160];
        f[0] = (short) marker;
        return f;
    }

    private static long ms(double millis) {
        return (long) (millis * 1_000_000);
    }

    private static List<Integer> drain(JitterBuffer b, int ticks) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < ticks; i++) {
            short[] f = b.poll();
            out.add(f == null ? null : (int) f[0]);
        }
        return out;
    }

    @Test
    void steadyStreamsPlayInOrderWithTheSmallestDelay() {
        JitterBuffer b = new JitterBuffer();
        for (int i = 0; i < 5; i++) {
            b.offer(100 + i, 160L * i, frame(i), ms(20 * i));
        }
        assertThat(b.targetFrames()).isEqualTo(1);
        assertThat(drain(b, 5)).containsExactly(0, 1, 2, 3, 4);
    }

    @Test
    void reorderedPacketsComeOutInSequence() {
        JitterBuffer b = new JitterBuffer();
        b.offer(1, 0, frame(1), ms(0));
        b.offer(3, 320, frame(3), ms(40));
        b.offer(2, 160, frame(2), ms(41));
        b.offer(4, 480, frame(4), ms(60));
        assertThat(drain(b, 4)).containsExactly(1, 2, 3, 4);
    }

    @Test
    void aMissingFrameIsLostAndPlayoutGoesOn() {
        JitterBuffer b = new JitterBuffer();
        b.offer(10, 0, frame(10), ms(0));
        b.offer(12, 320, frame(12), ms(40));
        b.offer(13, 480, frame(13), ms(60));
        assertThat(drain(b, 4)).containsExactly(10, null, 12, 13);
        assertThat(b.lost()).isEqualTo(1);
        assertThat(b.offer(11, 160, frame(11), ms(80))).as("refused").isFalse();
        assertThat(b.late()).as("its slot has passed").isEqualTo(1);
    }

    @Test
    void jitterGrowsTheTargetDelay() {
        JitterBuffer b = new JitterBuffer();
        double[] arrivals = {0, 35, 38, 95, 81, 140, 121, 180, 161, 230, 201, 260, 241, 305, 281, 330};
        for (int i = 0; i < arrivals.length; i++) {
            b.offer(i, 160L * i, frame(i), ms(arrivals[i]));
        }
        assertThat(b.jitterMillis()).isGreaterThan(10);
        assertThat(b.targetFrames()).isGreaterThan(1).isLessThanOrEqualTo(10);
    }

    @Test
    void sequenceNumbersWrapAround() {
        JitterBuffer b = new JitterBuffer();
        b.offer(65534, 0, frame(1), ms(0));
        b.offer(65535, 160, frame(2), ms(20));
        b.offer(0, 320, frame(3), ms(40));
        b.offer(1, 480, frame(4), ms(60));
        assertThat(drain(b, 4)).containsExactly(1, 2, 3, 4);
    }

    @Test
    void aBurstAfterAStallIsCutBackToTheTarget() {
        JitterBuffer b = new JitterBuffer();
        b.offer(0, 0, frame(0), ms(0));
        assertThat(drain(b, 1)).containsExactly(0);
        for (int i = 1; i <= 12; i++) {
            b.offer(i, 160L * i, frame(i), ms(300)); // all at once after a 300 ms stall
        }
        List<Integer> out = drain(b, 12);
        assertThat(out.stream().filter(x -> x != null).count()).as("old frames were dropped to catch up").isLessThan(12);
        assertThat(out).as("the newest frame is kept").contains(12);
    }
}
