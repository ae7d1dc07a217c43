package dev.parley.ai.sphinx;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecentAudioTest {
    @Test
    void keepsEverythingUpToTheCapacityInOrder() {
        RecentAudio a = new RecentAudio(5);
        a.add(new short[] {1, 2});
        a.add(new short[] {3});
        assertThat(a.drain()).containsExactly(1, 2, 3);
        assertThat(a.drain()).isEmpty();
    }

    @Test
    void keepsTheLatestWhenOverTheCapacity() {
        RecentAudio a = new RecentAudio(5);
        a.add(new short[] {1, 2, 3});
        a.add(new short[] {4, 5, 6});
        a.add(new short[] {7});
        assertThat(a.drain()).containsExactly(3, 4, 5, 6, 7);
        a.add(new short[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertThat(a.drain()).containsExactly(4, 5, 6, 7, 8);
        a.add(new short[] {9});
        assertThat(a.drain()).containsExactly(9);
    }
}
