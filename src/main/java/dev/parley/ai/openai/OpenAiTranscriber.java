package dev.parley.ai.openai;

import dev.parley.ai.Endpoint;
import dev.parley.ai.ProviderFailure;
import dev.parley.ai.SpeechToText;
import dev.parley.ai.Usage;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Utterance-level speech to text through {@code /audio/transcriptions} at an OpenAI-style
 * {@code base_url}: OpenAI's Whisper models, or an OpenAI-compatible local Whisper server (no key
 * needed then). No streaming, interim results or endpointing: the conversation decides where a
 * turn ends, and {@code finish()} posts the turn's audio (the latest 60 s of it) off the caller's
 * thread, answering {@link SttEvent.Final} then {@link SttEvent.SpeechEnded}, in the order of the
 * {@code finish()} calls.
 *
 * <p><b>Failures.</b> One utterance that cannot be transcribed must not end the call, a provider
 * that fails for good must. So: a retryable failure (timeout, dropped connection, 408, 429, 5xx)
 * is retried once at once (after its {@code Retry-After} when that is at most a second: the caller
 * is waiting); if it fails again the turn is answered {@code Final("", reason)} + {@code SpeechEnded}
 * (not understood: the flow asks again). A failure that is not retryable (a wrong key, an unknown
 * model), or the third utterance in a row lost to retryable ones, is the provider failing for good:
 * the session answers {@link SttEvent.Failed} <em>instead</em> of the turn's Final and stops, so that
 * a {@code FallbackSpeechToText} can give the same utterance to the next provider, or the call
 * ends with the provider named.
 */
public final class OpenAiTranscriber implements SpeechToText {
    private static final Logger log = LoggerFactory.getLogger(OpenAiTranscriber.class);
    public static final URI DEFAULT_BASE_URL = URI.create("https://api.openai.com/v1");
    public static final String DEFAULT_MODEL = "whisper-1";
    static final int MAX_SAMPLES = 60 * 8000;
    static final int FAILURES_IN_A_ROW = 3;
    private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(1);
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(3))
            .executor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("transcription-", 0).factory()))
            .build();
    private static final Executor VIRTUAL = r -> Thread.ofVirtual().name("transcription").start(r);

    private final Endpoint endpoint;
    private final String model;
    private final String language;
    private final Usage usage;
    private final Duration timeout;

    /**
     * @param endpoint provider {@code openai}, base URL with its version path
     *                 ({@link #DEFAULT_BASE_URL}, or {@code http://127.0.0.1:8000/v1}), key if any
     * @param model {@code whisper-1} when blank, else what the server serves
     * @param language the assistant's language ({@code en-US} is sent as {@code en}); blank lets the model detect it
     * @param usage the call's usage, which gets the seconds of audio transcribed
     */
    public OpenAiTranscriber(Endpoint endpoint, String model, String language, Usage usage) {
        this(endpoint, model, language, usage, Duration.ofSeconds(8));
    }

    /** @param timeout for one request; a retry gets as long again */
    public OpenAiTranscriber(Endpoint endpoint, String model, String language, Usage usage, Duration timeout) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.model = model == null || model.isBlank() ? DEFAULT_MODEL : model;
        this.language = TranscriptionRequest.isoLanguage(language);
        this.usage = Objects.requireNonNull(usage, "usage");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the transcription timeout must be positive, got " + timeout);
        }
        this.timeout = timeout;
    }

    @Override
    public Session start() {
        return new Utterances();
    }

    private final class Utterances implements Session {
        private final LinkedBlockingQueue<SttEvent> events = new LinkedBlockingQueue<>();
        private final ArrayDeque<short[]> audio = new ArrayDeque<>(); // guarded by itself
        private int samples;                                           // guarded by audio
        private volatile boolean closed;
        private volatile boolean failed;
        private int failuresInARow;                                    // on the chain below only
        private CompletableFuture<Void> last = CompletableFuture.completedFuture(null); // guarded by this

        @Override
        public void send(short[] frame) {
            if (closed || failed) {
                return;
            }
            synchronized (audio) {
                audio.addLast(frame);
                samples += frame.length;
                while (samples > MAX_SAMPLES) {
                    samples -= audio.pollFirst().length;
                }
            }
        }

        @Override
        public void finish() {
            if (closed || failed) {
                return;
            }
            short[] utterance;
            synchronized (audio) {
                utterance = new short[samples];
                int at = 0;
                for (short[] f : audio) {
                    System.arraycopy(f, 0, utterance, at, f.length);
                    at += f.length;
                }
                audio.clear();
                samples = 0;
            }
            synchronized (this) {
                last = last.thenRunAsync(() -> answer(utterance), VIRTUAL);
            }
        }

        private void answer(short[] utterance) {
            if (closed || failed) {
                return;
            }
            if (utterance.length == 0) {
                emit(SttEvent.Final.heard(""));
                emit(new SttEvent.SpeechEnded());
                return;
            }
            ProviderFailure failure;
            try {
                String text = transcribeWithOneRetry(utterance);
                usage.sttAudio(utterance.length / 8);
                failuresInARow = 0;
                emit(SttEvent.Final.heard(text));
                emit(new SttEvent.SpeechEnded());
                return;
            } catch (ProviderFailure.Exception e) {
                failure = e.failure();
            }
            failuresInARow++;
            if (!failure.retryable() || failuresInARow >= FAILURES_IN_A_ROW) {
                log.warn("Transcription failed for good: {}", failure.message());
                failed = true;
                emit(new SttEvent.Failed(failure));
                return;
            }
            log.warn("Transcription of an utterance failed: {}", failure.message());
            emit(new SttEvent.Final("", "speech recognition failed: " + failure.message()));
            emit(new SttEvent.SpeechEnded());
        }

        private String transcribeWithOneRetry(short[] utterance) {
            try {
                return TranscriptionRequest.transcribe(HTTP, endpoint, model, language, utterance, timeout);
            } catch (ProviderFailure.Exception first) {
                ProviderFailure f = first.failure();
                Duration wait = f.retryAfter().orElse(Duration.ZERO);
                if (!f.retryable() || wait.compareTo(MAX_RETRY_AFTER) > 0 || closed) {
                    throw first;
                }
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw first;
                }
                return TranscriptionRequest.transcribe(HTTP, endpoint, model, language, utterance, timeout);
            }
        }

        private void emit(SttEvent e) {
            if (!closed) {
                events.add(e);
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
                audio.clear();
                samples = 0;
            }
        }
    }
}
