package dev.parley.conversation;

/**
 * An adaptive energy voice activity detector for 20 ms frames of telephone audio.
 *
 * <p>Each frame's energy (dBFS) is compared with a running estimate of the line's noise floor: a
 * frame is voiced when it is at least {@code thresholdDb} above the floor and above an absolute
 * minimum (so a digitally silent line with a floor near minus infinity does not make every click
 * speech). The floor follows quiet frames quickly downwards and slowly upwards, and creeps up even
 * during "speech" (time constant about 5 s), so a steady new noise (a fan, a car) becomes floor
 * instead of a never-ending utterance. A hangover keeps a frame voiced for a few frames after the
 * energy drops, bridging the short gaps between syllables.
 */
final class VoiceActivity {
    private static final double ABSOLUTE_MIN_DB = -50;
    private static final double FLOOR_MIN_DB = -75;
    private static final int HANGOVER_FRAMES = 4;

    private final double thresholdDb;
    private double floorDb = -60;
    private int hangover;

    VoiceActivity(double thresholdDb) {
        this.thresholdDb = thresholdDb;
    }

    /** Whether this frame is speech. */
    boolean voiced(short[] frame) {
        double db = energyDb(frame);
        boolean loud = db > floorDb + thresholdDb && db > ABSOLUTE_MIN_DB;
        if (!loud) {
            double rate = db < floorDb ? 0.3 : 0.05;
            floorDb += (db - floorDb) * rate;
        } else {
            floorDb += (db - floorDb) * 0.004;
        }
        floorDb = Math.max(floorDb, FLOOR_MIN_DB);
        if (loud) {
            hangover = HANGOVER_FRAMES;
            return true;
        }
        if (hangover > 0) {
            hangover--;
            return true;
        }
        return false;
    }

    double floorDb() {
        return floorDb;
    }

    static double energyDb(short[] frame) {
        double sum = 0;
        for (short s : frame) {
            sum += (double) s * s;
        }
        double meanSquare = sum / Math.max(1, frame.length);
        return 10 * Math.log10(meanSquare / (32768.0 * 32768.0) + 1e-12);
    }
}
