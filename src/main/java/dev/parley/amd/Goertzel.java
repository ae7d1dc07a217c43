package dev.parley.amd;

/**
 * The power of one frequency in a block of samples (the Goertzel recurrence: one multiply-add per
 * sample, no FFT), given as the share of the block's whole energy it holds.
 */
final class Goertzel {
    private Goertzel() {}

    /**
     * About 1 for a sine at exactly {@code hz} filling the block, about the filled fraction when the
     * sine covers only part of it, near 0 for speech or noise; 0 for a silent block.
     */
    static double share(short[] pcm, double hz, int rate) {
        double coeff = 2 * Math.cos(2 * Math.PI * hz / rate);
        double s1 = 0;
        double s2 = 0;
        double energy = 0;
        for (short x : pcm) {
            double s0 = x + coeff * s1 - s2;
            s2 = s1;
            s1 = s0;
            energy += (double) x * x;
        }
        if (energy == 0) {
            return 0;
        }
        double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
        return 2 * power / (pcm.length * energy);
    }
}
