package dev.parley.store;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ids of 24 lowercase hex characters, the shape of the seed vendor's ids: 4 bytes of seconds, 5
 * random bytes fixed per process, 3 bytes of a counter. They sort roughly by creation time and do not
 * collide across nodes without any coordination.
 */
public final class Ids {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] PROCESS = new byte[5];
    private static final AtomicInteger COUNTER;
    static {
        SecureRandom random = new SecureRandom();
        random.nextBytes(PROCESS);
        COUNTER = new AtomicInteger(random.nextInt());
    }

    private Ids() {}

    public static String next() {
        int seconds = (int) (System.currentTimeMillis() / 1000);
        int count = COUNTER.getAndIncrement();
        byte[] b = new byte[12];
        b[0] = (byte) (seconds >>> 24);
        b[1] = (byte) (seconds >>> 16);
        b[2] = (byte) (seconds >>> 8);
        b[3] = (byte) seconds;
        System.arraycopy(PROCESS, 0, b, 4, 5);
        b[9] = (byte) (count >>> 16);
        b[10] = (byte) (count >>> 8);
        b[11] = (byte) count;
        return HEX.formatHex(b);
    }

    public static boolean isValid(String id) {
        if (id == null || id.length() != 24) {
            return false;
        }
        for (int i = 0; i < 24; i++) {
            char c = id.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }
}
