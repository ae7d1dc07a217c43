package dev.parley.conversation;

/**
 * An adaptive energy voice activity detector for 20 ms frames of telephone audio.
 *
 * <p>A frame is loud when its energy (dBFS) is at least {@code thresholdDb} above the line's noise
 * floor and above an absolute minimum (so on a digitally silent line every click is not speech).
 * The floor is the quietest frame of the last two seconds ("minimum statistics"): speech always
 * dips between words, so the floor stays at the line's noise while someone talks, but a steady new
 * noise (a hum, a fan, a car) has no dips and becomes the floor within two seconds instead of a
 * never-ending utterance. Rises are smoothed, falls are immediate. A hangover keeps the state
 * voiced for a few frames after the energy drops, bridging the short gaps inside words.
 */
final class VoiceActivity {
    private static final double ABSOLUTE_MIN_DB = -50;
    private static final double FLOOR_MIN_DB = -75;
    private static final int WINDOW_FRAMES = 100;
    private static final int HANGOVER_FRAMES = 4;

    enum Level { SILENT, HANGOVER, LOUD }

    private final double thresholdDb;
    private final double[] recent = new double[WINDOW_FRAMES];
    private int filled;
    private int next;
    private double floorDb = FLOOR_MIN_DB;
    private int hangover;

    VoiceActivity(double thresholdDb) {
        this.thresholdDb = thresholdDb;
    }

    Level classify(short[] frame) {
        double db = energyDb(frame);
        recent[next] = db;
        next = (next + 1) % WINDOW_FRAMES;
        filled = Math.min(filled + 1, WINDOW_FRAMES);
        double min = Double.MAX_VALUE;
        for (int i = 0; i < filled; i++) {
            min = Math.min(min, recent[i]);
        }
        min = Math.max(min, FLOOR_MIN_DB);
        floorDb = min < floorDb ? min : floorDb + (min - floorDb) * 0.1;
        if (db > floorDb + thresholdDb && db > ABSOLUTE_MIN_DB) {
            hangover = HANGOVER_FRAMES;
            return Level.LOUD;
        }
        if (hangover > 0) {
            hangover--;
            return Level.HANGOVER;
        }
        return Level.SILENT;
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
