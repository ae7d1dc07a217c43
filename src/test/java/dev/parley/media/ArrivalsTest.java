package dev.parley.media;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.media.Arrivals.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Sequence numbers as a bad network delivers them: what is lost, what is a copy, what is only reordered. */
@Tag("unit")
class ArrivalsTest {
    final LongAdder lost = new LongAdder();
    final Arrivals arrivals = new Arrivals(lost);

    List<Kind> arrive(int... seqs) {
        List<Kind> kinds = new ArrayList<>();
        for (int s : seqs) {
            kinds.add(arrivals.arrive(s & 0xffff));
        }
        return kinds;
    }

    @Test
    void reorderingIsNeitherLossNorDuplication() {
        assertThat(arrive(10, 12, 11, 14, 13, 15)).containsOnly(Kind.NEW);
        arrivals.finish();
        assertThat(lost.sum()).isZero();
    }

    @Test
    void aNumberThatNeverComesIsLostOnceTheWindowPassesIt() {
        arrive(100, 102);
        assertThat(lost.sum()).as("101 may still come").isZero();
        for (int s = 103; s < 101 + Arrivals.WINDOW; s++) {
            arrive(s);
        }
        assertThat(lost.sum()).isZero();
        arrive(101 + Arrivals.WINDOW);
        assertThat(lost.sum()).as("101 left the window").isEqualTo(1);
        assertThat(arrive(101)).as("after that it is refused, not counted twice").containsExactly(Kind.TOO_OLD);
        arrivals.finish();
        assertThat(lost.sum()).isEqualTo(1);
    }

    @Test
    void copiesAreDuplicatesAndDoNotHideALoss() {
        assertThat(arrive(1, 1, 2, 4, 2)).containsExactly(Kind.NEW, Kind.DUPLICATE, Kind.NEW, Kind.NEW, Kind.DUPLICATE);
        arrivals.finish();
        assertThat(lost.sum()).as("3 never came, whatever the copies of 1 and 2").isEqualTo(1);
    }

    @Test
    void finishingCountsTheGapsStillInTheWindowOnce() {
        arrive(7, 9, 12);
        arrivals.finish();
        arrivals.finish();
        assertThat(lost.sum()).as("8, 10, 11").isEqualTo(3);
    }

    @Test
    void aPacketFromBeforeTheFirstOneExtendsTheStreamBack() {
        arrive(50, 52, 47);
        arrivals.finish();
        assertThat(lost.sum()).as("48, 49, 51: between the lowest and highest that came").isEqualTo(3);
    }

    @Test
    void theSixteenBitWrapIsInvisible() {
        assertThat(arrive(65534, 0, 65535, 1, 3)).containsOnly(Kind.NEW);
        assertThat(arrive(65535)).containsExactly(Kind.DUPLICATE);
        arrivals.finish();
        assertThat(lost.sum()).as("2").isEqualTo(1);
    }

    @Test
    void aLargeJumpIsANewStreamNotThousandsLost() {
        arrive(1000, 1001, 1003);
        assertThat(arrive(40000, 40001)).containsOnly(Kind.NEW);
        assertThat(lost.sum()).as("1002, counted as the old stream ended").isEqualTo(1);
        assertThat(arrive(20000)).as("and back again").containsExactly(Kind.NEW);
        arrivals.finish();
        assertThat(lost.sum()).isEqualTo(1);
    }
}
