package dev.parley.ai.sphinx;

import dev.parley.media.Upsampler;
import edu.cmu.sphinx.api.Configuration;
import edu.cmu.sphinx.api.SpeechResult;
import edu.cmu.sphinx.api.StreamSpeechRecognizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Offline recognition of short answers with CMU Sphinx4 (en-us) in grammar mode: the phrases a
 * conversation step expects become a JSGF grammar, which is what makes Sphinx4 accurate and fast
 * enough on the phone (large-vocabulary mode ran slower than real time and misheard, FIELD-NOTES).
 * Telephone audio (8 kHz) is upsampled to the model's 16 kHz. A recognizer takes a second or two and
 * about half a gigabyte to create, so callers create them ahead and pool them.
 */
public final class GrammarRecognizer {
    private final StreamSpeechRecognizer recognizer;

    /**
     * @param phrases what may be said, e.g. "yes", "no", "talk to a person"
     * @param primer a few seconds of ordinary speech at 8 kHz, recognized once at creation: Sphinx4's
     *     live cepstral mean normalization seeds itself from the first utterance, and a one-word first
     *     utterance ("yes") seeded it so badly that a later "goodbye" came out as {@code <unk>}
     */
    public GrammarRecognizer(List<String> phrases, short[] primer) {
        this(phrases);
        recognize(primer);
    }

    /** @param phrases what may be said, e.g. "yes", "no", "talk to a person" */
    public GrammarRecognizer(List<String> phrases) {
        try {
            Path dir = Files.createTempDirectory("parley-grammar");
            String alternatives = String.join(" | ", phrases.stream()
                    .map(p -> p.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z' ]", " ").strip())
                    .filter(p -> !p.isEmpty()).toList());
            Files.writeString(dir.resolve("answers.gram"), "#JSGF V1.0;\ngrammar answers;\npublic <answer> = " + alternatives + ";\n");
            Configuration c = new Configuration();
            c.setAcousticModelPath("resource:/edu/cmu/sphinx/models/en-us/en-us");
            c.setDictionaryPath("resource:/edu/cmu/sphinx/models/en-us/cmudict-en-us.dict");
            c.setLanguageModelPath("resource:/edu/cmu/sphinx/models/en-us/en-us.lm.bin");
            c.setGrammarPath(dir.toUri().toString());
            c.setGrammarName("answers");
            c.setUseGrammar(true);
            c.setSampleRate(16000);
            this.recognizer = new StreamSpeechRecognizer(c);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the Sphinx4 recognizer", e);
        }
    }

    /** What was said in one utterance of 8 kHz telephone audio, or empty when nothing matched. */
    public Optional<String> recognize(short[] pcm8k) {
        short[] wide = Upsampler.twice(pcm8k);
        byte[] le = new byte[wide.length * 2];
        for (int i = 0; i < wide.length; i++) {
            le[2 * i] = (byte) wide[i];
            le[2 * i + 1] = (byte) (wide[i] >> 8);
        }
        recognizer.startRecognition(new ByteArrayInputStream(le));
        try {
            SpeechResult result;
            StringBuilder heard = new StringBuilder();
            while ((result = recognizer.getResult()) != null) {
                String h = result.getHypothesis();
                if (h != null && !h.isBlank() && !h.contains("<unk>")) {
                    heard.append(heard.isEmpty() ? "" : " ").append(h.strip());
                }
            }
            return heard.isEmpty() ? Optional.empty() : Optional.of(heard.toString());
        } finally {
            recognizer.stopRecognition();
        }
    }
}
