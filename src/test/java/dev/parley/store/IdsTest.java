package dev.parley.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class IdsTest {

    @Test
    void idsAre24LowercaseHexAndUnique() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            String id = Ids.next();
            assertThat(Ids.isValid(id)).isTrue();
            assertThat(seen.add(id)).isTrue();
        }
        assertThat(Ids.isValid("68c128a658cd7d0668bce78d")).as("the seed's own id").isTrue();
        assertThat(Ids.isValid("68C128A658CD7D0668BCE78D")).isFalse();
    }

    @Test
    void idsBeginWithTheCreationSecond() {
        long before = System.currentTimeMillis() / 1000;
        long seconds = Long.parseLong(Ids.next().substring(0, 8), 16);
        assertThat(seconds).isBetween(before, before + 2);
    }

    @Test
    void pageCursorsRoundTripAndRejectForgeries() {
        assertThat(Page.decodeCursor(Page.encodeCursor(1234))).isEqualTo(1234);
        assertThat(Page.decodeCursor(null)).isEqualTo(Long.MAX_VALUE);
        for (String bad : new String[] {"abc", "czEyMw==x", Page.encodeCursor(0), "!!!"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Page.decodeCursor(bad)).hasMessageContaining("cursor");
        }
    }
}
