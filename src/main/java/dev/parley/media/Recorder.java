package dev.parley.media;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * A call's stereo recording: the caller on the left, Parley on the right, both on the media
 * timeline (8 kHz samples from the moment media began), so what overlapped on the line overlaps
 * in the file. Written by the pacer's tick, read once when the call ends.
 */
public final class Recorder {
    private final Track caller = new Track();
    private final Track parley = new Track();

    void caller(long at, short[] frame) {
        caller.write((int) at, frame, frame.length);
    }

    void parley(long at, short[] frame, int n) {
        parley.write((int) at, frame, n);
    }

    /** The recording so far, as a WAV file. */
    public void writeWav(OutputStream out) throws IOException {
        synchronized (caller) {
            synchronized (parley) {
                Wav.writeStereo8k(out, caller.samples, caller.length, parley.samples, parley.length);
            }
        }
    }

    public byte[] wav() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeWav(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return out.toByteArray();
    }

    /** One side, on the shared timeline; gaps stay silent. */
    private static final class Track {
        private short[] samples = new short[8000 * 10];
        private int length;

        synchronized void write(int at, short[] pcm, int n) {
            int end = at + n;
            if (end > samples.length) {
                samples = Arrays.copyOf(samples, Math.max(end, samples.length * 2));
            }
            System.arraycopy(pcm, 0, samples, at, n);
            length = Math.max(length, end);
        }
    }
}
