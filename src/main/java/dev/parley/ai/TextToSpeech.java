package dev.parley.ai;

/**
 * Text in, telephone audio out: 8 kHz mono 16-bit PCM in 20 ms frames (160 samples); a provider
 * whose own rate differs ({@link #sampleRate()}) resamples. Providers are wired by hand in one
 * place; the conversation reads frames as it plays them, and closing a {@link Speech} stops
 * whatever work is left (that is how barge-in stops spending). A provider fails with
 * {@link ProviderFailure.Exception} from {@link #synthesize} or {@link Speech#next()}.
 */
public interface TextToSpeech extends AutoCloseable {

    Speech synthesize(String text);

    /**
     * Gets ready to speak without saying anything yet: a network voice opens its connection, so the
     * first {@link #synthesize} (the greeting, while the phone rings) does not pay the handshake.
     * Returns at once; idempotent. Offline voices have nothing to do.
     */
    default void warm() {
    }

    /** The rate the provider itself produces (informational: frames handed out are always 8 kHz). */
    default int sampleRate() {
        return 8000;
    }

    /** A word and where it lies in the utterance's audio, so the transcript keeps exactly what was heard. */
    record Word(String text, int startMs, int endMs) {}

    /** One utterance being synthesized. */
    interface Speech extends AutoCloseable {
        /**
         * The next 160-sample frame (the last one padded with silence), or {@code null} at the end or
         * once closed. May block while a streaming provider produces audio.
         */
        short[] next() throws InterruptedException;

        /**
         * The words produced so far with their timings, when the provider reports them (ElevenLabs'
         * alignment); empty otherwise, and the heard part of a cut utterance is estimated.
         */
        default java.util.List<Word> words() {
            return java.util.List.of();
        }

        @Override
        void close();
    }

    @Override
    void close();
}
