package dev.parley.ai;

import java.time.Duration;
import java.util.List;

/**
 * Speech to text for one call at a time. {@link #start} opens a session; the conversation sends it
 * the caller's audio (8 kHz mono 16-bit PCM, 20 ms frames of 160 samples) and reads typed events
 * back. Providers are wired by hand in one place ({@code conversation.Providers}).
 */
public interface SpeechToText extends AutoCloseable {

    Session start();

    /** One call's recognition. Thread-safe: frames come from the media clock, events are read by the conversation. */
    interface Session extends AutoCloseable {
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
         * followed by {@link SttEvent.SpeechEnded}. Must not block.
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

    /** What a session reports. */
    sealed interface SttEvent {
        record SpeechStarted() implements SttEvent {}

        record Interim(String text) implements SttEvent {}

        /** @param error why nothing could be recognized (e.g. no recognizer free), or null */
        record Final(String text, String error) implements SttEvent {
            public static Final heard(String text) {
                return new Final(text, null);
            }
        }

        record SpeechEnded() implements SttEvent {}
    }
}
