package dev.parley.media;

/**
 * One key sent as an RFC 4733 telephone event: a packet per 20 ms tick for 100 ms, all with the
 * event's start timestamp and a growing duration, the first marked, then the end packet three
 * times (section 2.5.1.4: the end is repeated because it may be lost), then 40 ms of quiet so the
 * next key is a separate press.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     event     |E|R| volume    |          duration             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
final class DtmfEvent {
    private static final int TONE_TICKS = 5;
    private static final int END_REPEATS = 3;
    private static final int GAP_TICKS = 2;
    private static final int VOLUME = 10; // -10 dBm0

    private final int event;
    private final long startTimestamp;
    private int tick;

    DtmfEvent(char key, long startTimestamp) {
        this.event = code(key);
        this.startTimestamp = startTimestamp;
    }

    static int code(char key) {
        return "0123456789*#ABCD".indexOf(Character.toUpperCase(key));
    }

    /** Writes this tick's packet into {@code out}; returns its length, or 0 for a tick of quiet. */
    int write(byte[] out, int payloadType, int sequence, long ssrc) {
        int t = tick++;
        if (t >= TONE_TICKS + END_REPEATS) {
            return 0;
        }
        boolean end = t >= TONE_TICKS;
        int duration = Math.min(t + 1, TONE_TICKS) * 160;
        RtpPacket.writeHeader(out, payloadType, t == 0, sequence, startTimestamp, ssrc);
        out[RtpPacket.HEADER] = (byte) event;
        out[RtpPacket.HEADER + 1] = (byte) ((end ? 0x80 : 0) | VOLUME);
        out[RtpPacket.HEADER + 2] = (byte) (duration >> 8);
        out[RtpPacket.HEADER + 3] = (byte) duration;
        return RtpPacket.HEADER + 4;
    }

    boolean done() {
        return tick >= TONE_TICKS + END_REPEATS + GAP_TICKS;
    }
}
