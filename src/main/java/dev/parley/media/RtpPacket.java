package dev.parley.media;

/**
 * An RTP packet (RFC 3550 section 5.1) as a view over a byte array; no copies on the receive path.
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           timestamp                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           synchronization source (SSRC) identifier            |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |            contributing source (CSRC) identifiers             |
 * |                             ....                              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * then an optional header extension and the payload (minus padding when P is set).
 */
public record RtpPacket(byte[] buffer, int length) {
    public static final int HEADER = 12;

    /** Null when the bytes are not an RTP packet we can read (too short, wrong version, bad lengths). */
    public static RtpPacket parse(byte[] buffer, int length) {
        if (length < HEADER || (buffer[0] & 0xc0) != 0x80) {
            return null;
        }
        RtpPacket p = new RtpPacket(buffer, length);
        return p.payloadOffset() <= p.payloadEnd() ? p : null;
    }

    public int payloadType() {
        return buffer[1] & 0x7f;
    }

    public boolean marker() {
        return (buffer[1] & 0x80) != 0;
    }

    public int sequence() {
        return ((buffer[2] & 0xff) << 8) | (buffer[3] & 0xff);
    }

    public long timestamp() {
        return ((buffer[4] & 0xffL) << 24) | ((buffer[5] & 0xffL) << 16) | ((buffer[6] & 0xffL) << 8) | (buffer[7] & 0xffL);
    }

    public long ssrc() {
        return ((buffer[8] & 0xffL) << 24) | ((buffer[9] & 0xffL) << 16) | ((buffer[10] & 0xffL) << 8) | (buffer[11] & 0xffL);
    }

    public int payloadOffset() {
        int offset = HEADER + 4 * (buffer[0] & 0x0f);
        if ((buffer[0] & 0x10) != 0) { // header extension: 16-bit profile, 16-bit length in words
            if (offset + 4 > length) {
                return Integer.MAX_VALUE;
            }
            offset += 4 + 4 * (((buffer[offset + 2] & 0xff) << 8) | (buffer[offset + 3] & 0xff));
        }
        return offset;
    }

    public int payloadEnd() {
        int padding = (buffer[0] & 0x20) != 0 ? buffer[length - 1] & 0xff : 0;
        return length - padding;
    }

    public int payloadLength() {
        return payloadEnd() - payloadOffset();
    }

    /** Writes a header without CSRCs or extension into {@code out}; the payload goes at {@link #HEADER}. */
    public static void writeHeader(byte[] out, int payloadType, boolean marker, int sequence, long timestamp, long ssrc) {
        out[0] = (byte) 0x80;
        out[1] = (byte) ((marker ? 0x80 : 0) | (payloadType & 0x7f));
        out[2] = (byte) (sequence >> 8);
        out[3] = (byte) sequence;
        out[4] = (byte) (timestamp >> 24);
        out[5] = (byte) (timestamp >> 16);
        out[6] = (byte) (timestamp >> 8);
        out[7] = (byte) timestamp;
        out[8] = (byte) (ssrc >> 24);
        out[9] = (byte) (ssrc >> 16);
        out[10] = (byte) (ssrc >> 8);
        out[11] = (byte) ssrc;
    }
}
