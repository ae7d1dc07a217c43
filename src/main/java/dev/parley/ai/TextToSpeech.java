package dev.parley.ai;

/**
 * Text in, telephone audio out: 8 kHz mono 16-bit PCM in 20 ms frames (160 samples). Providers are
 * wired by hand in one place; the conversation reads frames as it plays them, and closing a
 * {@link Speech} stops whatever work is left (that is how barge-in stops spending).
 */
public interface TextToSpeech extends AutoCloseable {

    Speech synthesize(String text);

    /** One utterance being synthesized. */
    interface Speech extends AutoCloseable {
        /**
         * The next 160-sample frame (the last one padded with silence), or {@code null} at the end or
         * once closed. May block while a streaming provider produces audio.
         */
        short[] next() throws InterruptedException;

        @Override
        void close();
    }

    @Override
    void close();
}
