package dev.parley.ai.flow;

import java.text.Normalizer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Text as a sequence of lower-case words, for matching what the caller said against phrases.
 * Recognizers and people punctuate differently ("Yes." "yes!" "Yeah, sure"), so punctuation goes;
 * apostrophes inside words stay, because "won't" and "wont" should not both match "won".
 */
public record Words(List<String> tokens) {
    private static final Pattern NOT_WORD = Pattern.compile("[^\\p{L}\\p{N}'\\s]+");
    private static final Pattern LOOSE_APOSTROPHE = Pattern.compile("(?<![\\p{L}\\p{N}])'|'(?![\\p{L}\\p{N}])");
    private static final Pattern SPACES = Pattern.compile("\\s+");
    private static final Pattern SPEAKABLE = Pattern.compile("[\\p{L}\\p{N}'\\s]*");

    public Words {
        tokens = List.copyOf(tokens);
    }

    public static Words of(String text) {
        String s = NOT_WORD.matcher(unified(text)).replaceAll(" ");
        s = LOOSE_APOSTROPHE.matcher(s).replaceAll(" ").strip();
        return new Words(s.isEmpty() ? List.of() : Arrays.asList(SPACES.split(s)));
    }

    /**
     * Whether a configured phrase is made only of letters, digits, apostrophes and spaces once
     * punctuation is dropped: a symbol such as "$" or "+" is never in a transcript, so a phrase
     * with one could never match.
     */
    public static boolean speakable(String phrase) {
        String s = unified(phrase).replaceAll("\\p{P}", " ");
        return SPEAKABLE.matcher(s).matches() && !of(phrase).isEmpty();
    }

    private static String unified(String text) {
        return Normalizer.normalize(text, Normalizer.Form.NFKC).replace('\u2019', '\'').replace('\u2018', '\'')
                .toLowerCase(Locale.ROOT);
    }

    public boolean isEmpty() {
        return tokens.isEmpty();
    }

    /** Where {@code phrase} starts as a whole-word sequence in these words, or -1. */
    public int indexOf(Words phrase) {
        int n = phrase.tokens.size();
        if (n == 0) {
            return -1;
        }
        for (int i = 0; i + n <= tokens.size(); i++) {
            if (tokens.subList(i, i + n).equals(phrase.tokens)) {
                return i;
            }
        }
        return -1;
    }

    public String text() {
        return String.join(" ", tokens);
    }
}
