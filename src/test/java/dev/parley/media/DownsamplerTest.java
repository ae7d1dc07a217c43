package dev.parley.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class DownsamplerTest {

    @Test
    void aOneKilohertzToneKeepsItsFrequencyAndLevel() {
        short[] out = new Downsampler(24000).process(tone(1000, 24000));
        assertThat(out).hasSize(8000);
        assertThat(crossingsHz(out)).as("frequency in Hz").isBetween(990.0, 1010.0);
        assertThat(rms(out)).as("RMS of a 10000 sine").isBetween(7071 * 0.97, 7071 * 1.03);
    }

    @Test
    void aSixKilohertzToneIsAttenuatedAtLeastThirtyDecibels() {
        short[] out = new Downsampler(24000).process(tone(6000, 24000));
        double db = 20 * Math.log10(rms(out) / 7071);
        assertThat(db).as("level of 6 kHz after downsampling, dB").isLessThan(-30);
    }

    @Test
    void aStreamCutAnywhereComesOutAsIfItWereOneArray() {
        short[] in = tone(1000, 24000);
        short[] whole = new Downsampler(24000).process(in);
        Downsampler chunked = new Downsampler(24000);
        short[] joined = new short[0];
        int[] cuts = {1, 2, 1000, 4799, 3, 7};
        for (int from = 0, i = 0; from < in.length; i++) {
            int n = Math.min(cuts[i % cuts.length], in.length - from);
            short[] part = chunked.process(Arrays.copyOfRange(in, from, from + n));
            joined = concat(joined, part);
            from += n;
        }
        assertThat(joined).isEqualTo(whole);
    }

    @Test
    void otherWidebandRatesWorkAndOddOnesAreRefused() {
        short[] out = new Downsampler(16000).process(tone(1000, 16000));
        assertThat(out).hasSize(8000);
        assertThat(rms(out)).isBetween(7071 * 0.97, 7071 * 1.03);
        assertThatThrownBy(() -> new Downsampler(22050)).hasMessageContaining("22050");
    }

    /** One second of a 10000-amplitude sine. */
    private static short[] tone(double hz, int rate) {
        short[] s = new short[rate];
        for (int i = 0; i < s.length; i++) {
            s[i] = (short) Math.round(10000 * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return s;
    }

    /** Away from the filter's start. */
    private static double rms(short[] s) {
        double sum = 0;
        for (int i = 100; i < s.length; i++) {
            sum += (double) s[i] * s[i];
        }
        return Math.sqrt(sum / (s.length - 100));
    }

    private static double crossingsHz(short[] s) {
        int crossings = 0;
        for (int i = 101; i < s.length; i++) {
            if ((s[i - 1] < 0) != (s[i] < 0)) {
                crossings++;
            }
        }
        return crossings / ((s.length - 100) / 8000.0) / 2;
    }

    private static short[] concat(short[] a, short[] b) {
        short[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
