package dev.parley.ai.sphinx;

import dev.parley.ai.SpeechToText;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offline speech to text with Sphinx4 grammars. A session only buffers the caller's current
 * utterance; when the conversation finishes it, the session borrows a recognizer from the node's
 * {@link RecognizerPool} for the decode alone, so a few recognizers serve many calls. No interim
 * results: grammar mode decides on the whole utterance.
 */
public final class SphinxSpeechToText implements SpeechToText {
    private static final Logger log = LoggerFactory.getLogger(SphinxSpeechToText.class);

    /** Longer utterances keep their latest 15 s: answers to a question are short, and memory per call is bounded. */
    static final int MAX_SAMPLES = 15 * 8000;
    /** RMS of a frame that counts as the caller starting to speak; the conversation does the real VAD. */
    static final double SPEECH_RMS = 300;
    private static final Executor VIRTUAL = r -> Thread.ofVirtual().name("sphinx-utterance").start(r);

    private final RecognizerPool pool;
    private final Duration borrowTimeout;

    /**
     * @param pool the node's recognizers; not closed by this
     * @param borrowTimeout how long a finished utterance waits for a free recognizer before its
     *     session reports that none was free
     */
    public SphinxSpeechToText(RecognizerPool pool, Duration borrowTimeout) {
        this.pool = pool;
        this.borrowTimeout = borrowTimeout;
    }

    @Override
    public Session start() {
        return new Call();
    }

    /** How long a decode may take before the recognizer is given up: far more than it needs (a few hundred ms). */
    static Duration decodeLimit(int samples) {
        return Duration.ofSeconds(10).plusMillis(2L * samples / 8);
    }

    private final class Call implements Session {
        private final LinkedBlockingQueue<SttEvent> events = new LinkedBlockingQueue<>();
        private final RecentAudio audio = new RecentAudio(MAX_SAMPLES);
        private volatile List<String> expected = List.of();
        private volatile boolean closed;
        private boolean speaking; // guarded by audio
        // Utterances are decoded one after another so that their Final/SpeechEnded pairs keep their order.
        private CompletableFuture<Void> last = CompletableFuture.completedFuture(null);

        @Override
        public void expect(List<String> phrases) {
            expected = List.copyOf(phrases);
        }

        @Override
        public void send(short[] frame) {
            if (closed) {
                return;
            }
            boolean started = false;
            synchronized (audio) {
                audio.add(frame);
                if (!speaking && rms(frame) > SPEECH_RMS) {
                    speaking = true;
                    started = true;
                }
            }
            if (started) {
                events.add(new SttEvent.SpeechStarted());
            }
        }

        @Override
        public void finish() {
            if (closed) {
                return;
            }
            short[] utterance;
            synchronized (audio) {
                utterance = audio.drain();
                speaking = false;
            }
            List<String> phrases = expected;
            synchronized (this) {
                last = last.thenRunAsync(() -> recognize(utterance, phrases), VIRTUAL);
            }
        }

        private void recognize(short[] utterance, List<String> phrases) {
            try {
                emit(utterance.length == 0 ? SttEvent.Final.heard("") : decode(utterance, phrases));
            } catch (RuntimeException | Error e) {
                log.error("speech recognition failed", e);
                emit(new SttEvent.Final("", "speech recognition failed: " + e));
            }
            emit(new SttEvent.SpeechEnded());
        }

        private SttEvent.Final decode(short[] utterance, List<String> phrases) {
            Optional<GrammarRecognizer> borrowed;
            try {
                borrowed = pool.borrow(borrowTimeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new SttEvent.Final("", "interrupted while waiting for a speech recognizer");
            }
            if (borrowed.isEmpty()) {
                return new SttEvent.Final("", "no speech recognizer free within " + borrowTimeout.toMillis()
                        + " ms (speech.recognizers=" + pool.size() + ")");
            }
            GrammarRecognizer r = borrowed.get();
            Duration limit = decodeLimit(utterance.length);
            boolean failed = true;
            try {
                GrammarRecognizer.Heard heard = r.recognize(phrases, utterance, limit);
                log.debug("heard \"{}\" in {} ms (grammar swap {} ms)", heard.text(), heard.decode().toMillis(),
                        heard.grammarSwap().toMillis());
                failed = false;
                return SttEvent.Final.heard(heard.text());
            } catch (TimeoutException e) {
                return new SttEvent.Final("", "speech recognition took longer than " + limit.toMillis() + " ms");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new SttEvent.Final("", "interrupted during speech recognition");
            } finally {
                // One that overran is broken (release discards it); one that threw may be mid-decode.
                if (failed) {
                    pool.discard(r);
                } else {
                    pool.release(r);
                }
            }
        }

        private void emit(SttEvent event) {
            if (!closed) {
                events.add(event);
            }
        }

        @Override
        public SttEvent next(Duration timeout) throws InterruptedException {
            return closed ? null : events.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void close() {
            closed = true;
            events.clear();
            synchronized (audio) {
                audio.drain();
            }
        }
    }

    static double rms(short[] frame) {
        if (frame.length == 0) {
            return 0;
        }
        double sum = 0;
        for (short s : frame) {
            sum += (double) s * s;
        }
        return Math.sqrt(sum / frame.length);
    }
}
