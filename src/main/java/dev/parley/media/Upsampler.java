package dev.parley.media;

/**
 * 8 kHz to 16 kHz, for recognizers trained on wideband audio: zero-stuffing followed by a
 * windowed-sinc low-pass at 4 kHz (63 taps, Blackman window), the textbook interpolator. Java's
 * built-in sample-rate conversion made Sphinx4 hear only {@code <unk>} (FIELD-NOTES); this does not.
 */
public final class Upsampler {
    private static final int TAPS = 63;
    private static final double[] H = filter();

    private Upsampler() {}

    public static short[] twice(short[] in) {
        int n = in.length * 2;
        short[] out = new short[n];
        int half = TAPS / 2;
        for (int m = 0; m < n; m++) {
            double acc = 0;
            // Only even positions of the zero-stuffed signal are non-zero: visit just those taps.
            int first = m - half;
            int k0 = first <= 0 ? 0 : (first + 1) / 2;
            for (int k = k0; 2 * k <= m + half && k < in.length; k++) {
                acc += in[k] * H[m - 2 * k + half];
            }
            out[m] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(acc)));
        }
        return out;
    }

    private static double[] filter() {
        double[] h = new double[TAPS];
        double fc = 0.25; // 4 kHz at 16 kHz
        int mid = TAPS / 2;
        for (int i = 0; i < TAPS; i++) {
            int t = i - mid;
            double sinc = t == 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * t) / (Math.PI * t);
            double window = 0.42 - 0.5 * Math.cos(2 * Math.PI * i / (TAPS - 1)) + 0.08 * Math.cos(4 * Math.PI * i / (TAPS - 1));
            h[i] = 2 * sinc * window; // x2: zero-stuffing halves the energy
        }
        return h;
    }
}
