package dev.parley.ai.freetts;

import com.sun.speech.freetts.Voice;
import com.sun.speech.freetts.VoiceManager;
import com.sun.speech.freetts.audio.AudioPlayer;
import java.io.ByteArrayOutputStream;
import javax.sound.sampled.AudioFormat;

/**
 * One FreeTTS {@code kevin} voice, which speaks at 8 kHz: telephone rate, no resampling. The voice
 * is allocated once (0.25 to 1 s) and is not shareable, so synthesis is serialized; it is fast
 * (seconds of speech in tens of milliseconds, FIELD-NOTES). Calls use it through
 * {@link FreeTtsVoices}, which pools voices and caches phrases. FreeTTS writes 16-bit big-endian
 * PCM to an {@link AudioPlayer}; ours collects it instead of playing it.
 */
public final class FreeTtsVoice implements AutoCloseable {
    private final Voice voice;
    private final Collector collector = new Collector();

    public FreeTtsVoice() {
        // The jar's own voice list is empty; the directory has to be named (FIELD-NOTES).
        System.setProperty("freetts.voices", "com.sun.speech.freetts.en.us.cmu_us_kal.KevinVoiceDirectory");
        Voice v = VoiceManager.getInstance().getVoice("kevin");
        if (v == null) {
            throw new IllegalStateException("FreeTTS has no 'kevin' voice on the classpath");
        }
        v.allocate();
        v.setAudioPlayer(collector);
        this.voice = v;
    }

    /** The whole utterance as 8 kHz samples. */
    public synchronized short[] pcm(String text) {
        collector.clear();
        voice.speak(text);
        byte[] be = collector.bytes();
        short[] pcm = new short[be.length / 2];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (short) ((be[2 * i] << 8) | (be[2 * i + 1] & 0xff));
        }
        return pcm;
    }

    public float sampleRate() {
        return voice.getRate() > 0 && collector.format != null ? collector.format.getSampleRate() : 8000f;
    }

    @Override
    public synchronized void close() {
        voice.deallocate();
    }

    /** An audio "player" that keeps the bytes FreeTTS would play. */
    private static final class Collector implements AudioPlayer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private AudioFormat format;

        void clear() {
            out.reset();
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        @Override
        public void setAudioFormat(AudioFormat f) {
            this.format = f;
        }

        @Override
        public AudioFormat getAudioFormat() {
            return format;
        }

        @Override
        public boolean write(byte[] b) {
            out.write(b, 0, b.length);
            return true;
        }

        @Override
        public boolean write(byte[] b, int off, int len) {
            out.write(b, off, len);
            return true;
        }

        @Override
        public void pause() {
        }

        @Override
        public void resume() {
        }

        @Override
        public void reset() {
        }

        @Override
        public boolean drain() {
            return true;
        }

        @Override
        public void begin(int size) {
        }

        @Override
        public boolean end() {
            return true;
        }

        @Override
        public void cancel() {
        }

        @Override
        public void close() {
        }

        @Override
        public float getVolume() {
            return 1f;
        }

        @Override
        public void setVolume(float volume) {
        }

        @Override
        public long getTime() {
            return 0;
        }

        @Override
        public void resetTime() {
        }

        @Override
        public void startFirstSampleTimer() {
        }

        @Override
        public void showMetrics() {
        }
    }
}
