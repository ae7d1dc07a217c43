package dev.parley.store;

import dev.parley.error.Problem;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * One page of a newest-first listing. The cursor is opaque to clients; inside it is the internal
 * sequence number of the last item shown, so pages stay stable while new rows arrive.
 */
public record Page<T>(List<T> items, String nextCursor) {
    public static final int DEFAULT_LIMIT = 20;
    public static final int MAX_LIMIT = 100;

    public static String encodeCursor(long seq) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("s" + seq).getBytes(StandardCharsets.US_ASCII));
    }

    /** {@code Long.MAX_VALUE} for the first page. */
    public static long decodeCursor(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return Long.MAX_VALUE;
        }
        try {
            String s = new String(Base64.getUrlDecoder().decode(cursor.strip()), StandardCharsets.US_ASCII);
            if (s.startsWith("s")) {
                long seq = Long.parseLong(s.substring(1));
                if (seq > 0) {
                    return seq;
                }
            }
        } catch (IllegalArgumentException e) {
            // falls through to the 400 below
        }
        throw Problem.invalid("cursor", "'cursor' is not one Parley gave out: pass the next_cursor of the previous page as it was");
    }

    public static int limit(String raw) {
        if (raw == null || raw.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(raw.strip());
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the 400 below
        }
        throw Problem.invalid("limit", "'limit' must be a whole number from 1 to " + MAX_LIMIT);
    }
}
