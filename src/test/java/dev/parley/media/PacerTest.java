package dev.parley.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The pacer's ticks, driven by hand: what goes to the far end, the conversation and the recording. */
@Tag("unit")
class PacerTest {
    private static final short[] QUIET = new short[160];

    /** A transport that hands out scripted caller frames and keeps what is sent. */
    static final class FakeTransport implements MediaTransport {
        final ArrayDeque<short[]> incoming = new ArrayDeque<>();
        final List<short[]> sent = new ArrayList<>();
        int cleared;
        long unplayed;

        @Override
        public short[] receive() {
            return incoming.poll();
        }

        @Override
        public void send(short[] frame) {
            sent.add(frame);
        }

        @Override
        public boolean sendDigits(String digits) {
            return false;
        }

        @Override
        public void clear() {
            cleared++;
        }

        @Override
        public long unplayedSamples() {
            return unplayed;
        }

        @Override
        public void close() {
        }
    }

    private static short[] tone(short level) {
        short[] f = new short[160];
        Arrays.fill(f, level);
        return f;
    }

    @Test
    void onceAnsweredAFrameGoesOutOnEveryTickSilenceWhenTheAssistantHasNothing() {
        FakeTransport transport = new FakeTransport();
        Recorder recorder = new Recorder();
        Pacer pacer = new Pacer(transport, recorder);
        ArrayDeque<short[]> said = new ArrayDeque<>(List.of(tone((short) 1000), tone((short) 1000)));
        pacer.speak(said::poll);

        pacer.tick(0);
        assertThat(transport.sent).as("nothing is sent before the answer (early media is only heard)").isEmpty();

        pacer.answered();
        for (int t = 1; t <= 5; t++) {
            pacer.tick(t * 160L);
        }
        assertThat(transport.sent).hasSize(5);
        assertThat(transport.sent.subList(0, 2)).allSatisfy(f -> assertThat(f[0]).isEqualTo((short) 1000));
        assertThat(transport.sent.subList(2, 5)).as("the assistant is quiet: silence, not nothing")
                .allSatisfy(f -> assertThat(f).hasSize(160).containsOnly((short) 0));
    }

    @Test
    void theCallerIsHeardEveryTickSilenceWhenNothingArrivedAndBothSidesAreRecorded() throws Exception {
        FakeTransport transport = new FakeTransport();
        Recorder recorder = new Recorder();
        Pacer pacer = new Pacer(transport, recorder);
        List<Long> heardAt = new ArrayList<>();
        List<Short> heardLevel = new ArrayList<>();
        pacer.listen((frame, at) -> {
            heardAt.add(at);
            heardLevel.add(frame[0]);
        });
        ArrayDeque<short[]> said = new ArrayDeque<>(List.of(tone((short) 2000)));
        pacer.speak(said::poll);
        pacer.answered();
        transport.incoming.add(tone((short) 500));
        pacer.tick(0);
        pacer.tick(160); // nothing arrived in time
        assertThat(heardAt).containsExactly(0L, 160L);
        assertThat(heardLevel).containsExactly((short) 500, (short) 0);

        byte[] wav = recorder.wav();
        ByteBuffer b = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getShort(22)).as("stereo").isEqualTo((short) 2);
        assertThat(b.getInt(24)).as("8 kHz").isEqualTo(8000);
        // First sample frame: caller left, Parley right.
        int data = wav.length - 160 * 4; // one 20 ms frame on each side, 16-bit
        assertThat(b.getShort(data)).isEqualTo((short) 500);
        assertThat(b.getShort(data + 2)).isEqualTo((short) 2000);
        assertThat(new ByteArrayInputStream(wav).readAllBytes()).hasSize(44 + 160 * 4);
    }

    @Test
    void clearAndWhatIsUnplayedComeFromTheTransport() {
        FakeTransport transport = new FakeTransport();
        Pacer pacer = new Pacer(transport, new Recorder());
        transport.unplayed = 800;
        pacer.clear();
        assertThat(transport.cleared).isEqualTo(1);
        assertThat(pacer.unplayedSamples()).isEqualTo(800);
    }
}
