package dev.parley.safeguards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.error.JsonFields;
import dev.parley.error.Problem;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * How a callee asks not to be called again during a call: a key ({@code dtmf}, none if null) or
 * one of {@code phrases}. The workspace's {@code opt_out} setting, overridden per assistant by
 * {@code config.opt_out}. Matching is here too, so the rule that decides what counts as asking is
 * in one place: a phrase counts when its words appear in order, whole, in what the callee said,
 * case and punctuation aside ("Please stop calling me!" says "stop calling").
 */
public record OptOutRules(Optional<Character> dtmf, List<String> phrases) {
    public static final OptOutRules DEFAULT = new OptOutRules(Optional.of('9'),
            List.of("stop calling", "remove me from your list", "do not call me"));
    private static final Set<String> FIELDS = Set.of("dtmf", "phrases");
    private static final int MAX_PHRASES = 20;

    /** Whether {@code digit} is the opt-out key. */
    public boolean isKey(char digit) {
        return dtmf.isPresent() && dtmf.get() == digit;
    }

    /** The phrase {@code heard} contains, if any. */
    public Optional<String> phraseIn(String heard) {
        String said = " " + words(heard) + " ";
        return phrases.stream().filter(p -> said.contains(" " + words(p) + " ")).findFirst();
    }

    /**
     * The settings as written in {@code where} ({@code opt_out} or {@code config.opt_out}); fields
     * left out keep the default's. Only the {@code dtmf} key {@code null} turns the key off; an empty
     * {@code phrases} turns phrases off.
     */
    public static OptOutRules parse(JsonNode raw, String where) {
        ObjectNode node = JsonFields.object(raw, where);
        JsonFields.rejectUnknown(node, where, FIELDS);
        Optional<Character> key = DEFAULT.dtmf();
        if (node.has("dtmf")) {
            JsonNode k = node.get("dtmf");
            if (k.isNull()) {
                key = Optional.empty();
            } else if (k.isTextual() && k.textValue().matches("[0-9*#]")) {
                key = Optional.of(k.textValue().charAt(0));
            } else {
                throw Problem.invalid(where + ".dtmf", "'" + where + ".dtmf' must be one key: a digit, * or #"
                        + " (or null for no opt-out key)");
            }
        }
        List<String> phrases = DEFAULT.phrases();
        Optional<List<JsonNode>> items = JsonFields.optionalArray(node, "phrases", where, MAX_PHRASES);
        if (items.isPresent()) {
            List<String> out = new ArrayList<>();
            for (JsonNode item : items.get()) {
                if (!item.isTextual() || words(item.textValue()).isEmpty() || item.textValue().length() > 100) {
                    throw Problem.invalid(where + ".phrases", "'" + where + ".phrases' must be an array of phrases"
                            + " with at least one word and at most 100 characters each");
                }
                out.add(item.textValue().strip());
            }
            phrases = List.copyOf(out);
        }
        return new OptOutRules(key, phrases);
    }

    public ObjectNode write() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        if (dtmf.isPresent()) {
            o.put("dtmf", String.valueOf(dtmf.get()));
        } else {
            o.putNull("dtmf");
        }
        phrases.forEach(o.putArray("phrases")::add);
        return o;
    }

    /** Lower-case words separated by single spaces: what matching compares. */
    static String words(String text) {
        return text == null ? "" : text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}']+", " ").strip();
    }
}
