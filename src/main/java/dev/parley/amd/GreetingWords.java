package dev.parley.amd;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The phrases of mailbox greetings, in the assistant's language and always in English (carriers'
 * own announcements often are). Strong phrases name the mailbox itself and are never said by a
 * person answering; weak ones ("not available") are said by greetings first but also by people
 * later in a conversation, so they count only before anyone has been heard as a person.
 */
final class GreetingWords {
    enum Strength { none, weak, strong }

    private record Phrases(List<String> strong, List<String> weak) {}

    private static final Map<String, Phrases> BY_LANGUAGE = Map.of(
            "en", new Phrases(
                    List.of("leave a message", "leave your message", "leave me a message", "leave us a message",
                            "after the tone", "after the beep", "at the tone", "at the beep", "voicemail",
                            "voice mail", "mailbox", "record your message", "answering machine"),
                    List.of("not available", "unavailable", "can't take your call", "cannot take your call",
                            "can't come to the phone", "cannot come to the phone", "can't answer",
                            "please leave", "no longer accepting messages")),
            "es", new Phrases(
                    List.of("deje su mensaje", "deje un mensaje", "deja tu mensaje", "deja un mensaje",
                            "después del tono", "después de la señal", "buzón de voz", "grabe su mensaje",
                            "contestador"),
                    List.of("no está disponible", "no se encuentra disponible", "no puedo atender",
                            "no podemos atender")),
            "fr", new Phrases(
                    List.of("laissez un message", "laissez votre message", "laissez-moi un message", "après le bip",
                            "après le signal", "messagerie vocale", "boîte vocale", "répondeur"),
                    List.of("n'est pas disponible", "ne suis pas disponible", "indisponible",
                            "ne peut pas vous répondre", "ne peux pas vous répondre")),
            "de", new Phrases(
                    List.of("hinterlassen sie eine nachricht", "hinterlassen sie mir eine nachricht",
                            "nach dem signalton", "nach dem piepton", "nach dem ton", "mailbox",
                            "anrufbeantworter", "sprachbox", "sprachnachricht"),
                    List.of("nicht erreichbar", "nicht verfügbar", "nicht zu erreichen", "bin gerade nicht")));

    private static final Pattern MARKS = Pattern.compile("\\p{M}+");
    private static final Pattern APOSTROPHES = Pattern.compile("['’`]");
    private static final Pattern NOT_LETTERS = Pattern.compile("[^\\p{L}\\p{N}]+");

    private final List<String> strong = new ArrayList<>();
    private final List<String> weak = new ArrayList<>();

    GreetingWords(String language) {
        String primary = language.split("[-_]", 2)[0].toLowerCase(Locale.ROOT);
        add(BY_LANGUAGE.get("en"));
        if (!primary.equals("en") && BY_LANGUAGE.containsKey(primary)) {
            add(BY_LANGUAGE.get(primary));
        }
    }

    Strength in(String text) {
        String t = normal(text);
        if (strong.stream().anyMatch(t::contains)) {
            return Strength.strong;
        }
        return weak.stream().anyMatch(t::contains) ? Strength.weak : Strength.none;
    }

    private void add(Phrases p) {
        p.strong().forEach(s -> strong.add(normal(s)));
        p.weak().forEach(s -> weak.add(normal(s)));
    }

    /** Lower case without accents, apostrophes or punctuation, padded so phrases match whole words. */
    static String normal(String text) {
        String s = Normalizer.normalize(text.toLowerCase(Locale.ROOT), Normalizer.Form.NFD);
        s = MARKS.matcher(s).replaceAll("");
        s = APOSTROPHES.matcher(s).replaceAll("");
        return " " + NOT_LETTERS.matcher(s).replaceAll(" ").strip() + " ";
    }
}
