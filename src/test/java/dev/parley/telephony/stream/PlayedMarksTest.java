package dev.parley.telephony.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What the callee heard, from the marks the carrier echoes; time is the test's (ms). */
@Tag("unit")
class PlayedMarksTest {
    private static final long MS = 1_000_000L;
    private final PlayedMarks marks = new PlayedMarks();
    private final List<String> names = new ArrayList<>();

    private void send(int frames, boolean audible, long atMs) {
        for (int i = 0; i < frames; i++) {
            String mark = marks.sent(audible, atMs * MS);
            if (mark != null) {
                names.add(mark);
            }
        }
    }

    @Test
    void aMarkEveryFiveFramesAndBeforeAnyEchoAtMostOneIntervalCountsAsPlayed() {
        send(20, true, 0);
        assertThat(names).containsExactly("0:5", "0:10", "0:15", "0:20");
        assertThat(marks.unplayedSamples(0)).isEqualTo(20 * 160);
        assertThat(marks.unplayedSamples(60 * MS)).isEqualTo(17 * 160);
        // No echo yet: however long it has been, the first mark bounds what may have played.
        assertThat(marks.unplayedSamples(5_000 * MS)).isEqualTo(15 * 160);
    }

    @Test
    void betweenEchoesTheFarEndPlaysInRealTimeButNeverPastTheNextMark() {
        send(20, true, 0);
        marks.echoed(names.get(1), 200 * MS); // frame 10 played at t=200 ms
        assertThat(marks.unplayedSamples(200 * MS)).isEqualTo(10 * 160);
        assertThat(marks.unplayedSamples(260 * MS)).isEqualTo(7 * 160);
        assertThat(marks.unplayedSamples(900 * MS)).as("capped at the next mark, not yet echoed").isEqualTo(5 * 160);
        marks.echoed(names.get(3), 400 * MS);
        assertThat(marks.unplayedSamples(400 * MS)).isZero();
        assertThat(marks.idle()).isTrue();
    }

    @Test
    void afterAClearTheEchoesOfDroppedAudioCountForNothing() {
        send(20, true, 0);
        marks.echoed(names.get(0), 100 * MS); // 5 frames heard
        long unheard = marks.unplayedSamples(100 * MS);
        assertThat(unheard).isEqualTo(15 * 160);
        marks.cleared(100 * MS);
        assertThat(marks.unplayedSamples(100 * MS)).isZero();
        // The next reply goes out; then the carrier echoes the marks of the audio the clear dropped.
        send(10, true, 120);
        marks.echoed(names.get(1), 121 * MS);
        marks.echoed(names.get(2), 121 * MS);
        marks.echoed(names.get(3), 121 * MS);
        assertThat(marks.played()).isEqualTo(20);
        assertThat(marks.unplayedSamples(121 * MS)).as("none of the new reply has played").isEqualTo(10 * 160);
        marks.echoed(names.get(4), 220 * MS); // the new reply's first mark: heard for real
        assertThat(marks.unplayedSamples(220 * MS)).isEqualTo(5 * 160);
    }

    @Test
    void silenceAfterTheLastWordIsMarkedUntilEverythingAudibleHasPlayed() {
        send(3, true, 0);
        assertThat(marks.idle()).isFalse();
        send(2, false, 60);
        assertThat(names).hasSize(1);
        marks.echoed(names.get(0), 100 * MS);
        assertThat(marks.idle()).isTrue();
    }

    @Test
    void namesThatAreNotOursAreIgnored() {
        send(5, true, 0);
        marks.echoed("hello", 10 * MS);
        marks.echoed("0:999", 10 * MS);
        marks.echoed(":5", 10 * MS);
        assertThat(marks.played()).isZero();
    }
}
