package dev.parley.ai.freetts;

import com.sun.speech.freetts.Voice;
import com.sun.speech.freetts.VoiceManager;
import com.sun.speech.freetts.audio.AudioPlayer;
import dev.parley.ai.TextToSpeech;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sound.sampled.AudioFormat;

/**
 * Offline text to speech with FreeTTS's {@code kevin} voice, which speaks at 8 kHz: telephone rate,
 * no resampling. The voice is allocated once (0.25 to 1 s) and is not shareable, so synthesis is
 * serialized; it is fast (seconds of speech in tens of milliseconds, FIELD-NOTES), and results are
 * cached by text, since assistants repeat their greetings and closing lines. FreeTTS writes 16-bit
 * big-endian PCM to an {@link AudioPlayer}; ours collects it instead of playing it.
 */
public final class FreeTtsVoice implements TextToSpeech {
    private static final int FRAME = 160;
    private static final int CACHE = 256;

    private final Voice voice;
    private final Collector collector = new Collector();
    private final Map<String, short[]> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, short[]> eldest) {
            return size() > CACHE;
        }
    };

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

    @Override
    public Speech synthesize(String text) {
        short[] pcm = pcm(text);
        return new Speech() {
            private int offset;
            private volatile boolean closed;

            @Override
            public short[] next() {
                if (closed || offset >= pcm.length) {
                    return null;
                }
                short[] frame = Arrays.copyOfRange(pcm, offset, offset + FRAME);
                offset += FRAME;
                return frame;
            }

            @Override
            public void close() {
                closed = true;
            }
        };
    }

    /** The whole utterance as 8 kHz samples. */
    public synchronized short[] pcm(String text) {
        short[] cached = cache.get(text);
        if (cached != null) {
            return cached;
        }
        collector.clear();
        voice.speak(text);
        byte[] be = collector.bytes();
        short[] pcm = new short[be.length / 2];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (short) ((be[2 * i] << 8) | (be[2 * i + 1] & 0xff));
        }
        cache.put(text, pcm);
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
