package dev.parley.media;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class RtpPacketTest {

    @Test
    void readsAHeaderWrittenByHand() {
        byte[] b = {
            (byte) 0x80, (byte) 0x80,       // V=2, no P/X/CC; M=1, PT=0 (PCMU)
            0x12, 0x34,                     // sequence 0x1234
            0x00, 0x00, 0x03, (byte) 0xc0,  // timestamp 960
            (byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef, // SSRC
            1, 2, 3, 4                      // payload
        };
        RtpPacket p = RtpPacket.parse(b, b.length);
        assertThat(p.payloadType()).isZero();
        assertThat(p.marker()).isTrue();
        assertThat(p.sequence()).isEqualTo(0x1234);
        assertThat(p.timestamp()).isEqualTo(960);
        assertThat(p.ssrc()).isEqualTo(0xdeadbeefL);
        assertThat(p.payloadOffset()).isEqualTo(12);
        assertThat(p.payloadLength()).isEqualTo(4);
    }

    @Test
    void skipsCsrcsExtensionsAndPadding() {
        byte[] b = new byte[12 + 4 + 8 + 3 + 2];
        b[0] = (byte) (0x80 | 0x20 | 0x10 | 1); // P, X, CC=1
        b[1] = 8;
        b[16 + 2] = 0;
        b[16 + 3] = 1;                           // extension of one 32-bit word
        b[b.length - 1] = 2;                     // two bytes of padding
        RtpPacket p = RtpPacket.parse(b, b.length);
        assertThat(p.payloadOffset()).isEqualTo(12 + 4 + 8);
        assertThat(p.payloadLength()).isEqualTo(3);
    }

    @Test
    void refusesWhatIsNotRtp() {
        assertThat(RtpPacket.parse(new byte[11], 11)).isNull();
        byte[] v1 = new byte[20];
        v1[0] = 0x40;
        assertThat(RtpPacket.parse(v1, 20)).isNull();
        byte[] badExtension = new byte[14];
        badExtension[0] = (byte) 0x90;
        assertThat(RtpPacket.parse(badExtension, 14)).isNull();
    }

    @Test
    void writtenHeadersReadBack() {
        byte[] out = new byte[12 + 160];
        RtpPacket.writeHeader(out, 8, false, 65535, 0xfffffff0L, 42);
        RtpPacket p = RtpPacket.parse(out, out.length);
        assertThat(p.payloadType()).isEqualTo(8);
        assertThat(p.sequence()).isEqualTo(65535);
        assertThat(p.timestamp()).isEqualTo(0xfffffff0L);
        assertThat(p.ssrc()).isEqualTo(42);
        assertThat(p.payloadLength()).isEqualTo(160);
    }
}
