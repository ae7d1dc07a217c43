package dev.parley.support;

import dev.parley.media.Wav;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Caller audio for recognizer tests, as the conversation sends it: 20 ms frames of 8 kHz mono
 * 16-bit PCM. Speech is espeak-ng's, resampled by sox (as {@code SpokenConversationTest} makes its
 * fixtures), and cached per text for the test JVM.
 */
public final class SpokenAudio {
    public static final int FRAME = 160;
    private static final Map<String, short[]> SPOKEN = new ConcurrentHashMap<>();

    private final List<short[]> frames = new ArrayList<>();

    public static SpokenAudio of() {
        return new SpokenAudio();
    }

    /** {@code text} spoken by espeak-ng (en-us, 150 words a minute). */
    public SpokenAudio say(String text) {
        return samples(SPOKEN.computeIfAbsent(text, SpokenAudio::speak));
    }

    public SpokenAudio silence(Duration d) {
        return samples(new short[(int) (d.toMillis() * 8)]);
    }

    /** A 440 Hz tone: speech as far as an energy detector can tell. */
    public SpokenAudio tone(Duration d, int amplitude) {
        short[] s = new short[(int) (d.toMillis() * 8)];
        for (int i = 0; i < s.length; i++) {
            s[i] = (short) (amplitude * Math.sin(2 * Math.PI * 440 * i / 8000.0));
        }
        return samples(s);
    }

    /** Appends samples, padding the last frame with silence. */
    public SpokenAudio samples(short[] samples) {
        for (int i = 0; i < samples.length; i += FRAME) {
            frames.add(Arrays.copyOfRange(samples, i, i + FRAME));
        }
        return this;
    }

    public List<short[]> frames() {
        return List.copyOf(frames);
    }

    /** All of it as one run of samples, as a callee would say it. */
    public short[] pcm() {
        short[] out = new short[frames.size() * FRAME];
        for (int i = 0; i < frames.size(); i++) {
            System.arraycopy(frames.get(i), 0, out, i * FRAME, FRAME);
        }
        return out;
    }

    /** Milliseconds of audio so far: where the next piece will start. */
    public long ms() {
        return frames.size() * 20L;
    }

    /** Where the last frame louder than {@code rms} so far ends, in ms (as an energy detector sees the speech end). */
    public long loudUntilMs(double rms) {
        for (int i = frames.size() - 1; i >= 0; i--) {
            double sum = 0;
            for (short s : frames.get(i)) {
                sum += (double) s * s;
            }
            if (Math.sqrt(sum / FRAME) > rms) {
                return (i + 1) * 20L;
            }
        }
        return 0;
    }

    private static short[] speak(String text) {
        try {
            Path wav = Files.createTempFile("stt-speech", ".wav");
            try {
                String cmd = "espeak-ng -v en-us -s 150 -w /dev/stdout '" + text.replace("'", "") + "' | sox -D -t wav - -r 8000 -c 1 -b 16 "
                        + wav;
                Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("espeak-ng and sox make the test speech: " + cmd + "\n" + out);
                }
                try (InputStream in = Files.newInputStream(wav)) {
                    return Wav.readMono8k(in);
                }
            } finally {
                Files.deleteIfExists(wav);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
