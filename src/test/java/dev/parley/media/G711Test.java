package dev.parley.media;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class G711Test {

    @Test
    void knownCodewordsDecodeToTheStandardValues() {
        // ITU-T G.711 Table 2a/2b: u-law 0xFF and A-law 0xD5 are the smallest positive steps.
        assertThat(G711.decodeUlaw((byte) 0xff)).isEqualTo((short) 0);
        assertThat(G711.decodeUlaw((byte) 0x7f)).isEqualTo((short) 0);
        assertThat(G711.decodeUlaw((byte) 0x80)).isEqualTo((short) 32124);
        assertThat(G711.decodeUlaw((byte) 0x00)).isEqualTo((short) -32124);
        assertThat(G711.decodeAlaw((byte) 0xd5)).isEqualTo((short) 8);
        assertThat(G711.decodeAlaw((byte) 0x55)).isEqualTo((short) -8);
        assertThat(G711.decodeAlaw((byte) 0xaa)).isEqualTo((short) 32256);
    }

    @Test
    void everyCodewordRoundTrips() {
        for (int i = 0; i < 256; i++) {
            byte u = (byte) i;
            short pcm = G711.decodeUlaw(u);
            assertThat(G711.decodeUlaw(G711.encodeUlaw(pcm))).as("u-law %02x", i).isEqualTo(pcm);
            byte a = (byte) i;
            short pcmA = G711.decodeAlaw(a);
            assertThat(G711.encodeAlaw(pcmA)).as("A-law %02x", i).isEqualTo(a);
        }
    }

    @Test
    void quantizationErrorStaysWithinTheSegmentStep() {
        for (int s = -32768; s <= 32767; s += 7) {
            short pcm = (short) s;
            int errU = Math.abs(G711.decodeUlaw(G711.encodeUlaw(pcm)) - s);
            int errA = Math.abs(G711.decodeAlaw(G711.encodeAlaw(pcm)) - s);
            int step = Math.max(16, Math.abs(s) / 16);
            assertThat(errU).as("u-law error at %d", s).isLessThanOrEqualTo(step + 132);
            assertThat(errA).as("A-law error at %d", s).isLessThanOrEqualTo(step + 16);
        }
    }
}
