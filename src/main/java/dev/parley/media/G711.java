package dev.parley.media;

/**
 * G.711 u-law (PCMU, RTP payload 0) and A-law (PCMA, payload 8): 8 kHz telephone audio, one byte
 * per 16-bit sample. Decoding is a 256-entry table; encoding follows ITU-T G.711's segment search
 * (the classic Sun reference formulation), which is cheap enough per sample.
 */
public final class G711 {
    private static final short[] ULAW_TO_PCM = new short[256];
    private static final short[] ALAW_TO_PCM = new short[256];
    private static final int BIAS = 0x84;
    private static final int CLIP = 32635;

    static {
        for (int i = 0; i < 256; i++) {
            ULAW_TO_PCM[i] = ulawToLinear((byte) i);
            ALAW_TO_PCM[i] = alawToLinear((byte) i);
        }
    }

    private G711() {}

    public static short decodeUlaw(byte b) {
        return ULAW_TO_PCM[b & 0xff];
    }

    public static short decodeAlaw(byte b) {
        return ALAW_TO_PCM[b & 0xff];
    }

    public static byte encodeUlaw(short pcm) {
        int sample = pcm;
        int sign = (sample >> 8) & 0x80;
        if (sign != 0) {
            sample = -sample;
        }
        if (sample > CLIP) {
            sample = CLIP;
        }
        sample += BIAS;
        int exponent = 7;
        for (int mask = 0x4000; (sample & mask) == 0 && exponent > 0; mask >>= 1) {
            exponent--;
        }
        int mantissa = (sample >> (exponent + 3)) & 0x0f;
        return (byte) ~(sign | (exponent << 4) | mantissa);
    }

    private static final int[] ALAW_SEGMENT_END = {0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff};

    public static byte encodeAlaw(short pcm) {
        int value = pcm >> 3; // A-law works on 13-bit samples
        int mask;
        if (value >= 0) {
            mask = 0xd5;
        } else {
            mask = 0x55;
            value = -value - 1;
        }
        int segment = 0;
        while (segment < 8 && value > ALAW_SEGMENT_END[segment]) {
            segment++;
        }
        if (segment >= 8) {
            return (byte) (0x7f ^ mask);
        }
        int encoded = segment << 4;
        encoded |= segment < 2 ? (value >> 1) & 0x0f : (value >> segment) & 0x0f;
        return (byte) (encoded ^ mask);
    }

    private static short ulawToLinear(byte u) {
        int v = ~u & 0xff;
        int t = ((v & 0x0f) << 3) + BIAS;
        t <<= (v & 0x70) >> 4;
        return (short) ((v & 0x80) != 0 ? BIAS - t : t - BIAS);
    }

    private static short alawToLinear(byte a) {
        int v = (a & 0xff) ^ 0x55;
        int t = (v & 0x0f) << 4;
        int seg = (v & 0x70) >> 4;
        switch (seg) {
            case 0 -> t += 8;
            case 1 -> t += 0x108;
            default -> {
                t += 0x108;
                t <<= seg - 1;
            }
        }
        return (short) ((v & 0x80) != 0 ? t : -t);
    }
}
