package dev.parley.amd;

/**
 * The one frequency a frame might be made of, and how much of the frame's energy it holds: near 1
 * for a beep or a fax tone, well below for speech (a voice is many harmonics) and noise.
 *
 * <p>The frequency comes from the spacing of the frame's upward zero crossings (interpolated, with
 * hysteresis so low noise cannot add crossings), then a Goertzel filter at that frequency says
 * whether it really dominates. Three filters per frame instead of a bank of dozens across
 * 400-2,100 Hz.
 */
record Tone(double hz, double share) {
    static final Tone NONE = new Tone(0, 0);

    /** Below this RMS (about -56 dBFS) a frame is too quiet to carry a tone anyone would play. */
    private static final double QUIET_RMS = 50;

    static Tone in(short[] pcm, int rate) {
        double energy = 0;
        for (short x : pcm) {
            energy += (double) x * x;
        }
        double rms = Math.sqrt(energy / pcm.length);
        if (rms < QUIET_RMS) {
            return NONE;
        }
        double hysteresis = 0.3 * rms;
        boolean armed = false;
        double first = -1;
        double last = -1;
        int crossings = 0;
        for (int i = 1; i < pcm.length; i++) {
            if (pcm[i - 1] < -hysteresis) {
                armed = true;
            }
            if (armed && pcm[i - 1] < 0 && pcm[i] >= 0) {
                double at = i - 1 + (double) -pcm[i - 1] / (pcm[i] - pcm[i - 1]);
                if (first < 0) {
                    first = at;
                }
                last = at;
                crossings++;
                armed = false;
            }
        }
        if (crossings < 3) {
            return NONE;
        }
        double hz = (crossings - 1) * rate / (last - first);
        // The estimate can be a few Hz off: the best of three filters around it.
        double share = Math.max(Goertzel.share(pcm, hz, rate),
                Math.max(Goertzel.share(pcm, hz - 8, rate), Goertzel.share(pcm, hz + 8, rate)));
        return new Tone(hz, share);
    }
}
