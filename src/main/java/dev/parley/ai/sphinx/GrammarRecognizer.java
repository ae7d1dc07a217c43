package dev.parley.ai.sphinx;

import dev.parley.media.Upsampler;
import edu.cmu.sphinx.api.AbstractSpeechRecognizer;
import edu.cmu.sphinx.api.Configuration;
import edu.cmu.sphinx.api.Context;
import edu.cmu.sphinx.frontend.feature.LiveCMN;
import edu.cmu.sphinx.jsgf.JSGFGrammar;
import edu.cmu.sphinx.linguist.dictionary.Dictionary;
import edu.cmu.sphinx.result.Result;
import edu.cmu.sphinx.util.props.ConfigurationManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offline recognition of short answers with CMU Sphinx4 (en-us) in grammar mode: the phrases a
 * conversation step expects, plus {@link #COMMON_ANSWERS}, become a JSGF grammar, which is what makes
 * Sphinx4 accurate and fast enough on the phone (large-vocabulary mode ran slower than real time and
 * misheard, FIELD-NOTES). Telephone audio (8 kHz) is upsampled to the model's 16 kHz.
 *
 * <p>A recognizer takes a second or two and about half a gigabyte to create, so it is created once
 * and lent to one call at a time ({@link RecognizerPool}); each utterance brings its own phrases and
 * the grammar is swapped in place, which costs milliseconds. The recognizer stays allocated between
 * utterances: {@code StreamSpeechRecognizer} deallocates after every stream, which drops the
 * dictionary and re-reads all of cmudict on the next one.
 *
 * <p>Decoding is CPU-bound for hundreds of milliseconds, so it runs on this recognizer's own platform
 * thread rather than on the caller's: a virtual thread doing it would hold one of the few carrier
 * threads that the calls' media threads share. After creation, only that thread touches Sphinx4.
 */
final class GrammarRecognizer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GrammarRecognizer.class);

    /** What callers say whatever the question; always in the grammar besides the expected phrases. */
    public static final List<String> COMMON_ANSWERS = List.of("yes", "no", "yeah", "nope", "okay", "sure",
            "repeat", "goodbye", "bye", "hello", "hi", "what", "sorry", "maybe", "thanks", "thank you", "one",
            "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "stop", "wait", "help");

    // One grammar name, rewritten in place: the JSGF manager keeps every grammar it has loaded by
    // name and re-links all of them on each load, so a new name per swap would grow without end.
    private static final String GRAMMAR = "answers";
    /**
     * Sphinx4's JSGF parser is JavaCC-generated with static state: two recognizers parsing at once
     * (two calls' grammars swapped together, or the pool creating recognizers in parallel) corrupt
     * each other's parse ("JSGFGrammarParseException: null", seen with 50 calls). Parses take a few
     * milliseconds, so one lock for all of them costs nothing measurable.
     */
    private static final Object PARSER = new Object();
    private static final int EXPECTED_WEIGHT = 1000;

    private final Path dir;
    private final ExecutorService thread;
    private final Engine engine;
    private final Dictionary dictionary;
    private String loaded;
    private volatile boolean broken;

    /**
     * Creates the recognizer on the calling thread (1-2 s) and recognizes the primer once.
     *
     * @param primer a few seconds of ordinary speech at 8 kHz: Sphinx4's live cepstral mean
     *     normalization seeds itself from the first utterance, and a one-word first utterance ("yes")
     *     seeded it so badly that a later "goodbye" came out as {@code <unk>}
     */
    public GrammarRecognizer(short[] primer) {
        this.thread = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("sphinx-decode-", 0).factory());
        try {
            this.dir = Files.createTempDirectory("parley-grammar");
            this.loaded = jsgf(List.of());
            Files.writeString(dir.resolve(GRAMMAR + ".gram"), loaded);
            Configuration c = new Configuration();
            c.setAcousticModelPath("resource:/edu/cmu/sphinx/models/en-us/en-us");
            c.setDictionaryPath("resource:/edu/cmu/sphinx/models/en-us/cmudict-en-us.dict");
            c.setLanguageModelPath("resource:/edu/cmu/sphinx/models/en-us/en-us.lm.bin");
            c.setGrammarPath(dir.toUri().toString());
            c.setGrammarName(GRAMMAR);
            c.setUseGrammar(true);
            c.setSampleRate(16000);
            synchronized (PARSER) {
                this.engine = new Engine(c);
            }
            this.dictionary = engine.dictionary();
        } catch (IOException e) {
            thread.shutdownNow();
            throw new UncheckedIOException("cannot create the Sphinx4 recognizer", e);
        }
        synchronized (PARSER) { // the first decode compiles the grammar's search graph
            engine.decode(pcm16k(primer));
        }
        engine.keepNormalization();
    }

    /** What one utterance took. */
    public record Heard(String text, boolean grammarSwapped, Duration grammarSwap, Duration decode) {}

    /**
     * What was said in one utterance of 8 kHz telephone audio ({@code ""} when nothing in the grammar
     * matched), listening for {@code expected} and {@link #COMMON_ANSWERS}. Phrases with a word that
     * is not in the dictionary are left out (logged), since Sphinx4 would otherwise turn them into an
     * empty path that matches silence. One caller at a time.
     *
     * @throws TimeoutException when decoding took longer than {@code limit}: the recognizer is then
     *     still busy and must not be used again ({@link #broken()})
     */
    public Heard recognize(List<String> expected, short[] pcm8k, Duration limit) throws InterruptedException, TimeoutException {
        if (broken) {
            throw new IllegalStateException("this recognizer timed out before and may still be decoding");
        }
        Future<Heard> work = thread.submit(() -> {
            long t0 = System.nanoTime();
            boolean swapped = useGrammar(expected);
            long t1 = System.nanoTime();
            String text = engine.decode(pcm16k(pcm8k));
            return new Heard(text, swapped, Duration.ofNanos(t1 - t0), Duration.ofNanos(System.nanoTime() - t1));
        });
        try {
            return work.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | InterruptedException e) {
            broken = true;
            work.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException("Sphinx4 failed", e.getCause());
        }
    }

    /** Whether a recognition overran its limit or was abandoned, so this recognizer should be thrown away. */
    public boolean broken() {
        return broken;
    }

    private boolean useGrammar(List<String> expected) throws IOException {
        String text = jsgf(known(normalised(expected)));
        if (text.equals(loaded)) {
            return false;
        }
        Files.writeString(dir.resolve(GRAMMAR + ".gram"), text);
        try {
            load();
            loaded = text;
        } catch (Exception e) {
            // A grammar the parser refuses must not cost the call its recognition: common answers still work.
            log.error("Sphinx4 refused the grammar {}; listening for common answers only", text.replace('\n', ' '), e);
            String common = jsgf(List.of());
            Files.writeString(dir.resolve(GRAMMAR + ".gram"), common);
            try {
                load();
                loaded = common;
            } catch (Exception again) {
                throw new IllegalStateException("cannot load even the common answers grammar", again);
            }
        }
        return true;
    }

    /** Lower case letters and apostrophes, single spaces, no duplicates. */
    static List<String> normalised(List<String> phrases) {
        Set<String> out = new LinkedHashSet<>();
        for (String p : phrases) {
            String n = String.join(" ", p.toLowerCase(Locale.ROOT).replaceAll("[^a-z' ]", " ").strip().split("\\s+"));
            if (!n.isEmpty()) {
                out.add(n);
            }
        }
        return List.copyOf(out);
    }

    private List<String> known(List<String> phrases) {
        List<String> out = new ArrayList<>();
        for (String p : phrases) {
            String unknown = Arrays.stream(p.split(" ")).filter(w -> dictionary.getWord(w) == null).findFirst().orElse(null);
            if (unknown == null) {
                out.add(p);
            } else {
                log.warn("Not listening for \"{}\": the speech dictionary has no pronunciation for \"{}\"", p, unknown);
            }
        }
        return out;
    }

    /**
     * The expected phrases weigh more than the common answers: with equal weights, espeak's "confirm"
     * came out as the common "sure" (its first syllable taken for silence); a weight of 10 did not
     * change that, 100 did only by luck of sox's random dither in the test audio: with the same audio
     * every time (and Sphinx4's front end dithered here), 1000 is what keeps "confirm".
     */
    private static String jsgf(List<String> expected) {
        StringBuilder alternatives = new StringBuilder();
        Set<String> all = new LinkedHashSet<>(expected);
        all.addAll(COMMON_ANSWERS);
        for (String p : all) {
            alternatives.append(alternatives.isEmpty() ? "" : " | ")
                    .append('/').append(expected.contains(p) ? EXPECTED_WEIGHT : 1).append("/ ( ").append(p).append(" )");
        }
        return "#JSGF V1.0;\ngrammar " + GRAMMAR + ";\npublic <answer> = " + alternatives + ";\n";
    }

    private void load() throws Exception {
        synchronized (PARSER) {
            engine.loadGrammar(GRAMMAR);
        }
    }

    /**
     * 16 kHz little-endian PCM for Sphinx4, with a little dither: its front end (no dither stage in
     * the default pipeline) takes logarithms of frame energies, and digitally silent stretches (a
     * softphone's silent file, a jitter buffer's gap) made whole words vanish ("confirm" and
     * "goodbye" came out empty; the same audio with sox's default dither was heard). Two
     * least-significant bits of noise from a fixed seed: inaudible, and the same input always gives
     * the same result.
     */
    private static byte[] pcm16k(short[] pcm8k) {
        short[] wide = Upsampler.twice(pcm8k);
        SplittableRandom noise = new SplittableRandom(0x5EED);
        byte[] le = new byte[wide.length * 2];
        for (int i = 0; i < wide.length; i++) {
            int v = Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, wide[i] + noise.nextInt(-2, 3)));
            le[2 * i] = (byte) v;
            le[2 * i + 1] = (byte) (v >> 8);
        }
        return le;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            log.debug("cannot remove {}", dir, e);
        }
    }

    /** Sphinx4's recognizer, kept allocated, with the grammar reachable for swapping. */
    private static final class Engine extends AbstractSpeechRecognizer {
        private static final List<String> CMN_STATE = List.of("currentMean", "sum", "numberFrame", "initialList");
        private final JSGFGrammar grammar;
        private final LiveCMN cmn;
        private final Map<String, Object> cmnState = new HashMap<>();

        Engine(Configuration configuration) throws IOException {
            super(configuration);
            this.cmn = context.getInstance(LiveCMN.class);
            this.grammar = jsgfGrammar(context);
            enableWeights(grammar);
            recognizer.allocate();
        }

        Dictionary dictionary() {
            return context.getInstance(Dictionary.class);
        }

        /**
         * Re-reads the named grammar; the flat linguist notices the new initial node and recompiles
         * its search graph when the next recognition starts.
         */
        void loadGrammar(String name) throws Exception {
            grammar.loadJSGF(name);
        }

        /**
         * Remembers the live CMN's state (after the primer) so that every utterance starts from it:
         * otherwise each caller's audio would shift the next caller's normalization on this shared
         * recognizer, and results depended on what was heard before (a "repeat" came out empty after
         * a run of other answers).
         */
        void keepNormalization() {
            try {
                for (String name : CMN_STATE) {
                    var f = LiveCMN.class.getDeclaredField(name);
                    f.setAccessible(true);
                    cmnState.put(name, copy(f.get(cmn)));
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("sphinx4-core changed: LiveCMN fields", e);
            }
        }

        private void restoreNormalization() {
            try {
                for (var e : cmnState.entrySet()) {
                    var f = LiveCMN.class.getDeclaredField(e.getKey());
                    f.setAccessible(true);
                    f.set(cmn, copy(e.getValue()));
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("sphinx4-core changed: LiveCMN fields", e);
            }
        }

        private static Object copy(Object value) {
            return value instanceof double[] d ? d.clone() : value instanceof List<?> l ? new ArrayList<>(l) : value;
        }

        String decode(byte[] pcm16kLe) {
            if (!cmnState.isEmpty()) {
                restoreNormalization();
            }
            context.setSpeechSource(new ByteArrayInputStream(pcm16kLe));
            StringBuilder heard = new StringBuilder();
            Result result;
            while ((result = recognizer.recognize()) != null) {
                String h = result.getBestResultNoFiller();
                if (h != null && !h.isBlank() && !h.contains("<unk>")) {
                    heard.append(heard.isEmpty() ? "" : " ").append(h.strip());
                }
            }
            return heard.toString();
        }

        /**
         * sphinx4-core 1.0.0 sets the grammar's LogMath only in the programmatic constructor, so a
         * configured grammar with weights fails with a NullPointerException.
         */
        private static void enableWeights(JSGFGrammar grammar) {
            try {
                var field = JSGFGrammar.class.getDeclaredField("logMath");
                field.setAccessible(true);
                if (field.get(grammar) == null) {
                    field.set(grammar, edu.cmu.sphinx.util.LogMath.getLogMath());
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("sphinx4-core changed: no JSGFGrammar.logMath", e);
            }
        }

        /**
         * The grammar component by name: {@code context.getInstance(JSGFGrammar.class)} matches both it
         * and the unused GrXML grammar (a subclass) of the default configuration, and asserts there is
         * only one. The configuration manager is private in sphinx4-core 1.0.0, hence reflection.
         */
        private static JSGFGrammar jsgfGrammar(Context context) {
            try {
                var field = Context.class.getDeclaredField("configurationManager");
                field.setAccessible(true);
                return (JSGFGrammar) ((ConfigurationManager) field.get(context)).lookup("jsgfGrammar");
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("sphinx4-core changed: no Context.configurationManager", e);
            }
        }
    }
}
