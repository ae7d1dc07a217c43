package dev.parley.media;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class UpsamplerTest {

    @Test
    void aToneKeepsItsFrequencyAndLevelAtTwiceTheRate() {
        short[] in = new short[8000];
        for (int i = 0; i < in.length; i++) {
            in[i] = (short) (10000 * Math.sin(2 * Math.PI * 1000 * i / 8000.0));
        }
        short[] out = Upsampler.twice(in);
        assertThat(out).hasSize(16000);
        int crossings = 0;
        double sum = 0;
        for (int i = 100; i < out.length - 100; i++) { // away from the filter's edges
            if ((out[i - 1] < 0) != (out[i] < 0)) {
                crossings++;
            }
            sum += (double) out[i] * out[i];
        }
        double seconds = (out.length - 200) / 16000.0;
        assertThat(crossings / seconds / 2).as("frequency in Hz").isBetween(990.0, 1010.0);
        assertThat(Math.sqrt(sum / (out.length - 200))).as("RMS of a 10000 sine").isBetween(6800.0, 7400.0);
    }

    @Test
    void nothingAboveTheOldNyquistIsInvented() {
        short[] in = new short[800];
        in[400] = 20000; // an impulse: its upsampled response must be a smooth low-pass pulse
        short[] out = Upsampler.twice(in);
        assertThat(out[800]).isBetween((short) 19000, (short) 21000);
        assertThat(Math.abs(out[801])).isLessThan(out[800]);
        assertThat(Math.abs(out[1000])).as("far from the impulse").isLessThan((short) 10);
    }
}
