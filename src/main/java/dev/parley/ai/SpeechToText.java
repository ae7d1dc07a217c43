package dev.parley.ai;

import java.time.Duration;
import java.util.List;

/**
 * Speech to text for one call at a time. {@link #start} opens a session; the conversation sends it
 * the caller's audio (8 kHz mono 16-bit PCM, 20 ms frames of 160 samples: every provider takes
 * telephone audio, encoding it as its wire wants) and reads typed events back. Providers are wired
 * by hand in one place ({@code conversation.Conversations}).
 *
 * <p>Two kinds of session: an utterance recognizer (offline grammars, Whisper-style
 * transcription) hears only the caller's turns and answers {@link #finish()}; a streaming
 * recognizer ({@link Capabilities#streaming()}) hears the whole call and sends finals whenever it
 * has them, before {@code finish()} too; with {@link Capabilities#endpointing()} it also decides
 * where the caller's turn ends ({@link SttEvent.SpeechEnded}).
 */
public interface SpeechToText extends AutoCloseable {

    Session start();

    /** One call's recognition. Thread-safe: frames come from the media clock, events are read by the conversation. */
    interface Session extends AutoCloseable {
        /** What this session does by itself; the conversation does the rest (its own VAD and endpointing). */
        default Capabilities capabilities() {
            return Capabilities.UTTERANCES;
        }

        /**
         * What the caller is likely to say next (the phrases of the flow step that listens): grammar
         * recognizers build their grammar from it, cloud providers may use it as keyword hints.
         */
        default void expect(List<String> phrases) {
        }

        /** The caller's next 20 ms of audio. Must not block. */
        void send(short[] frame);

        /**
         * The caller stopped speaking (the conversation's endpointing decided so): recognize what was
         * sent since the last call, and answer with one {@link SttEvent.Final} (its text may be empty)
         * followed by {@link SttEvent.SpeechEnded}. A streaming session flushes what it holds (its
         * finals may have come already; then {@code SpeechEnded} alone). Must not block.
         */
        void finish();

        /** The next event, or {@code null} when none arrived within the timeout or the session is closed. */
        SttEvent next(Duration timeout) throws InterruptedException;

        @Override
        void close();
    }

    @Override
    default void close() {
    }

    /**
     * @param streaming the session takes the whole call's audio and sends finals as it has them
     * @param interimResults it sends {@link SttEvent.Interim} guesses while the caller speaks
     * @param endpointing it decides where a turn ends and says so with {@link SttEvent.SpeechEnded}
     */
    record Capabilities(boolean streaming, boolean interimResults, boolean endpointing) {
        public static final Capabilities UTTERANCES = new Capabilities(false, false, false);
    }

    /** What a session reports. */
    sealed interface SttEvent {
        /** The provider heard speech begin (usable for barge-in, with the conversation's own VAD). */
        record SpeechStarted() implements SttEvent {}

        record Interim(String text) implements SttEvent {}

        /**
         * Recognized text, final for its stretch of audio.
         *
         * @param error why nothing could be recognized (e.g. no recognizer free), or null
         * @param endMs where its audio ended, in ms of audio sent to the session, or -1 when unknown
         *              (a streaming session's final for a backchannel the conversation ignored is dropped by it)
         */
        record Final(String text, String error, long endMs) implements SttEvent {
            public Final(String text, String error) {
                this(text, error, -1);
            }

            public static Final heard(String text) {
                return new Final(text, null);
            }
        }

        /** The turn is over: after a {@code finish()}, or when the provider's own endpointing decided. */
        record SpeechEnded() implements SttEvent {}

        /** The session failed; a failure that is not retryable, or that outlived its retries, ends it. */
        record Failed(ProviderFailure failure) implements SttEvent {}
    }
}
