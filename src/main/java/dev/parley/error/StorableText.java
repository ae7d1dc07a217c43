package dev.parley.error;

/**
 * Text PostgreSQL can store. It refuses the NUL character in {@code text} and {@code jsonb} (a
 * request carrying one used to fail with a 500), and a lone UTF-16 surrogate, which no valid
 * Unicode text contains, would be stored silently changed to '?'. Every string of a request is
 * checked with this at the edge (body, query, path), so the field is named in a 400 instead.
 */
public final class StorableText {
    private StorableText() {}

    /** A 400 naming {@code field} when {@code s} cannot be stored as it is. */
    public static void check(String field, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0) {
                throw Problem.invalid(field, "'" + field + "' contains a NUL character (\\u0000) at position " + i
                        + "; NUL characters are not allowed");
            }
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw Problem.invalid(field, "'" + field + "' contains an unpaired UTF-16 surrogate (\\u"
                        + Integer.toHexString(c) + ") at position " + i + "; send valid Unicode text");
            }
        }
    }
}
