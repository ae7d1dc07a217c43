package dev.parley.ai.openai;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Cuts a model's streamed text into clauses the voice can start on, so the first audio follows the
 * first clause rather than the whole answer. A clause ends at . ! ? (or a line break) followed by
 * white space, and, once it is long enough to be worth a synthesis of its own, at , ; : followed by
 * white space. Waiting for the white space is what keeps "3.5" and "3,500" whole; "Dr." and
 * initials ("J. Smith") are known not to end a sentence. Not thread-safe: one per reply.
 */
final class Clauses {
    /** Shorter than this, a comma is a breath, not a clause: synthesizing "Well," alone sounds choppy. */
    static final int SOFT_BREAK_CHARS = 40;
    private static final Set<String> ABBREVIATIONS = Set.of("dr", "mr", "mrs", "ms", "st", "jr", "sr", "prof", "vs",
            "etc", "e.g", "i.e", "no", "approx", "mt", "ft", "inc", "ltd", "co", "dept", "apt", "ave", "blvd");

    private final StringBuilder pending = new StringBuilder();

    /** Adds streamed text; the clauses it completed, in order (often none). */
    List<String> add(String delta) {
        pending.append(delta);
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i + 1 < pending.length(); i++) {
            char c = pending.charAt(i);
            if (!Character.isWhitespace(pending.charAt(i + 1)) && c != '\n') {
                continue;
            }
            boolean hard = c == '!' || c == '?' || c == '\n' || c == '…' || c == '.' && !abbreviation(start, i);
            boolean soft = (c == ',' || c == ';' || c == ':') && i + 1 - start >= SOFT_BREAK_CHARS;
            if (hard || soft) {
                String clause = pending.substring(start, i + 1).strip();
                if (!clause.isEmpty()) {
                    out.add(clause);
                }
                start = i + 1;
            }
        }
        pending.delete(0, start);
        return out;
    }

    /** What is left once the stream has ended, or empty. */
    String rest() {
        String r = pending.toString().strip();
        pending.setLength(0);
        return r;
    }

    /** The word before the period at {@code dot} is a title, a known abbreviation or an initial. */
    private boolean abbreviation(int start, int dot) {
        int w = dot;
        while (w > start && !Character.isWhitespace(pending.charAt(w - 1))) {
            w--;
        }
        String word = pending.substring(w, dot).toLowerCase(Locale.ROOT);
        while (!word.isEmpty() && !Character.isLetterOrDigit(word.charAt(0))) {
            word = word.substring(1);
        }
        return word.length() == 1 && Character.isLetter(word.charAt(0)) || ABBREVIATIONS.contains(word);
    }
}
