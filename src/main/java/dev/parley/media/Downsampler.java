package dev.parley.media;

/**
 * A provider's wideband audio (16, 24 or 48 kHz) down to telephone rate, one chunk at a time as it
 * streams in: a windowed-sinc low-pass (95 taps, Blackman window, cutoff 3.6 kHz) and then every
 * n-th sample. Taking every third sample without the filter would fold everything between 4 and
 * 12 kHz back into the band a caller hears (a 6 kHz sibilant comes out as a 2 kHz whistle).
 *
 * <p>The filter's last 94 input samples and the decimation phase are kept between chunks, so a
 * stream cut anywhere (HTTP chunks, odd byte counts) comes out exactly as if it were one array.
 * Not thread-safe: one instance per stream.
 */
public final class Downsampler {
    private static final int TAPS = 95;
    private static final double CUTOFF_HZ = 3600;

    private final int factor;
    private final double[] h;
    private final short[] history = new short[TAPS - 1];
    /** Input samples to skip before the next one that produces an output sample. */
    private int skip;

    public Downsampler(int fromRate) {
        if (fromRate < 16000 || fromRate % 8000 != 0) {
            throw new IllegalArgumentException("can only downsample a multiple of 8000 Hz to 8000 Hz, not " + fromRate + " Hz");
        }
        this.factor = fromRate / 8000;
        this.h = lowPass(CUTOFF_HZ / fromRate);
    }

    /** The 8 kHz samples this chunk completes (about a third, for 24 kHz, of its length). */
    public short[] process(short[] in) {
        int total = history.length + in.length;
        short[] buf = new short[total];
        System.arraycopy(history, 0, buf, 0, history.length);
        System.arraycopy(in, 0, buf, history.length, in.length);
        int first = history.length + skip;
        int count = first >= total ? 0 : (total - 1 - first) / factor + 1;
        short[] out = new short[count];
        for (int o = 0, p = first; o < count; o++, p += factor) {
            double acc = 0;
            for (int k = 0; k < TAPS; k++) {
                acc += h[k] * buf[p - k];
            }
            out[o] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(acc)));
        }
        int next = first + count * factor;
        skip = next - total;
        System.arraycopy(buf, total - history.length, history, 0, history.length);
        return out;
    }

    /** {@code fc} as a fraction of the input rate; unity gain at DC. */
    private static double[] lowPass(double fc) {
        double[] h = new double[TAPS];
        int mid = TAPS / 2;
        double sum = 0;
        for (int i = 0; i < TAPS; i++) {
            int t = i - mid;
            double sinc = t == 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * t) / (Math.PI * t);
            double window = 0.42 - 0.5 * Math.cos(2 * Math.PI * i / (TAPS - 1)) + 0.08 * Math.cos(4 * Math.PI * i / (TAPS - 1));
            h[i] = sinc * window;
            sum += h[i];
        }
        for (int i = 0; i < TAPS; i++) {
            h[i] /= sum;
        }
        return h;
    }
}
