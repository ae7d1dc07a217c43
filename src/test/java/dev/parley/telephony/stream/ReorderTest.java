package dev.parley.telephony.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ReorderTest {
    private final Reorder reorder = new Reorder();
    private final List<Long> out = new ArrayList<>();

    private void offer(long... orders) {
        for (long o : orders) {
            reorder.offer(o, new short[160], (order, pcm) -> out.add(order));
        }
    }

    @Test
    void shuffledFramesComeOutInOrder() {
        offer(2, 3, 1, 6, 4, 5, 9, 7, 8);
        assertThat(out).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    }

    @Test
    void aFrameThatNeverComesIsGivenUpOnceTheWindowIsFullAndIsLateAfterThat() {
        offer(1, 3, 4, 5, 6);
        assertThat(out).containsExactly(1L);
        offer(7);
        assertThat(out).containsExactly(1L, 3L, 4L, 5L, 6L, 7L);
        offer(2, 7);
        assertThat(out).hasSize(6);
        assertThat(reorder.late()).isEqualTo(2);
    }

    @Test
    void aStreamThatDoesNotStartAtOneStartsWhereItIs() {
        offer(100, 101, 102, 103);
        assertThat(out).isEmpty();
        offer(104);
        assertThat(out).containsExactly(100L, 101L, 102L, 103L, 104L);
    }
}
