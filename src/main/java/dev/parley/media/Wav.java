package dev.parley.media;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** 16-bit PCM WAV files: reading 8 kHz mono prompts, writing 8 kHz recordings. */
public final class Wav {
    private Wav() {}

    /** Samples of an 8 kHz mono 16-bit PCM WAV; anything else is refused with what it is. */
    public static short[] readMono8k(InputStream in) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 12 || b.getInt(0) != 0x46464952 || b.getInt(8) != 0x45564157) { // "RIFF" ... "WAVE"
            throw new IOException("not a WAV file");
        }
        int pos = 12;
        int channels = 0;
        int rate = 0;
        int bits = 0;
        while (pos + 8 <= b.limit()) {
            int id = b.getInt(pos);
            int size = b.getInt(pos + 4);
            if (id == 0x20746d66) { // "fmt "
                channels = b.getShort(pos + 10);
                rate = b.getInt(pos + 12);
                bits = b.getShort(pos + 22);
            } else if (id == 0x61746164) { // "data"
                if (channels != 1 || rate != 8000 || bits != 16) {
                    throw new IOException("prompts must be 8 kHz mono 16-bit PCM, this is " + rate + " Hz, "
                            + channels + " channel(s), " + bits + " bit");
                }
                short[] samples = new short[Math.min(size, b.limit() - pos - 8) / 2];
                for (int i = 0; i < samples.length; i++) {
                    samples[i] = b.getShort(pos + 8 + 2 * i);
                }
                return samples;
            }
            pos += 8 + size + (size & 1);
        }
        throw new IOException("WAV file without a data chunk");
    }

    /** A stereo 8 kHz 16-bit WAV: {@code left} and {@code right} side by side, the shorter padded with silence. */
    public static void writeStereo8k(OutputStream out, short[] left, int leftLength, short[] right, int rightLength) throws IOException {
        int frames = Math.max(leftLength, rightLength);
        int dataBytes = frames * 4;
        ByteBuffer b = ByteBuffer.allocate(44 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x46464952).putInt(36 + dataBytes).putInt(0x45564157);
        b.putInt(0x20746d66).putInt(16).putShort((short) 1).putShort((short) 2).putInt(8000).putInt(8000 * 4)
                .putShort((short) 4).putShort((short) 16);
        b.putInt(0x61746164).putInt(dataBytes);
        for (int i = 0; i < frames; i++) {
            b.putShort(i < leftLength ? left[i] : 0);
            b.putShort(i < rightLength ? right[i] : 0);
        }
        out.write(b.array());
    }
}
