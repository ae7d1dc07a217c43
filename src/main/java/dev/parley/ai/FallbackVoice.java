package dev.parley.ai;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A voice with stand-ins ({@code voice.fallbacks}): each utterance goes to the first voice that is
 * not resting; if it fails before its first frame (from {@code synthesize} or the first
 * {@code next()}, with {@link ProviderFailure.Exception}), the same text goes to the next voice, so
 * the caller hears the clause from another voice instead of silence. Once audio has been handed
 * out, a failure propagates: the clause cannot be resumed mid-word by another voice.
 *
 * <p>A voice that failed rests, so later utterances do not pay its failure again: for the
 * cool-down (30 s by default) after a retryable failure (a timeout, 429, 5xx, a stall), then it is
 * tried first again; for the rest of the call after one that is not (a wrong key, an unknown voice
 * will not mend within a call). When every voice rests, they are all tried in order anyway, and
 * when all fail the last failure propagates.
 */
public final class FallbackVoice implements TextToSpeech {
    public static final Duration DEFAULT_COOL_DOWN = Duration.ofSeconds(30);

    private final List<TextToSpeech> voices;
    private final Duration coolDown;
    private final InstantSource clock;
    private final Map<TextToSpeech, Instant> restingUntil = new ConcurrentHashMap<>();

    /** {@code voices}: the primary first, then its fallbacks in order. */
    public FallbackVoice(List<TextToSpeech> voices) {
        this(voices, DEFAULT_COOL_DOWN, InstantSource.system());
    }

    public FallbackVoice(List<TextToSpeech> voices, Duration coolDown, InstantSource clock) {
        if (voices.isEmpty()) {
            throw new IllegalArgumentException("a fallback voice needs at least one voice");
        }
        this.voices = List.copyOf(voices);
        this.coolDown = coolDown;
        this.clock = clock;
    }

    @Override
    public Speech synthesize(String text) {
        return new Attempts(text, order());
    }

    /** The primary's rate: what callers hear when nothing fails. */
    @Override
    public int sampleRate() {
        return voices.getFirst().sampleRate();
    }

    @Override
    public void warm() {
        order().getFirst().warm();
    }

    @Override
    public void close() {
        voices.forEach(TextToSpeech::close);
    }

    /** Voices not resting first, in configured order; resting ones after them. */
    private List<TextToSpeech> order() {
        Instant now = clock.instant();
        List<TextToSpeech> ready = new ArrayList<>();
        List<TextToSpeech> resting = new ArrayList<>();
        for (TextToSpeech v : voices) {
            Instant until = restingUntil.get(v);
            (until != null && now.isBefore(until) ? resting : ready).add(v);
        }
        ready.addAll(resting);
        return ready;
    }

    private void failed(TextToSpeech voice, ProviderFailure why) {
        restingUntil.put(voice, why.retryable() ? clock.instant().plus(coolDown) : Instant.MAX);
    }

    /** One utterance, moving down the list until a voice produces its first frame. */
    private final class Attempts implements Speech {
        private final String text;
        private final List<TextToSpeech> order;
        private volatile Speech current;
        private volatile boolean started;
        private volatile boolean closed;

        Attempts(String text, List<TextToSpeech> order) {
            this.text = text;
            this.order = order;
        }

        @Override
        public short[] next() throws InterruptedException {
            if (closed) {
                return null;
            }
            if (started) {
                return current.next();
            }
            ProviderFailure.Exception last = null;
            for (TextToSpeech voice : order) {
                current = null;
                try {
                    Speech s = voice.synthesize(text);
                    current = s;
                    if (closed) {
                        s.close();
                        return null;
                    }
                    short[] first = s.next();
                    started = true;
                    restingUntil.remove(voice);
                    return first;
                } catch (ProviderFailure.Exception e) {
                    Speech s = current;
                    if (s != null) {
                        s.close();
                    }
                    failed(voice, e.failure());
                    last = e;
                    if (closed) {
                        return null;
                    }
                }
            }
            throw last;
        }

        @Override
        public List<Word> words() {
            Speech s = current;
            return s == null ? List.of() : s.words();
        }

        @Override
        public void close() {
            closed = true;
            Speech s = current;
            if (s != null) {
                s.close();
            }
        }
    }
}
