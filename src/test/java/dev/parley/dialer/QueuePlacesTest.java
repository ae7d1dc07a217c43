package dev.parley.dialer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.call.QueuePlace;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Where a due call stands, by the dialer's limits (the database part is in CapsApiTest). */
@Tag("unit")
class QueuePlacesTest {
    static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void aCallBehindAFullConcurrencyLimitHasAPlaceButNoEstimate() {
        assertThat(QueuePlaces.due(1, 10, 0, 10, 5, NOW)).isEqualTo(new QueuePlace("concurrency", 1L, null));
        assertThat(QueuePlaces.due(3, 8, 0, 10, 5, NOW)).isEqualTo(new QueuePlace("concurrency", 3L, null));
    }

    @Test
    void aCallBeyondThisSecondsBudgetStartsInTheSecondItsTurnComes() {
        // Two of five dialed this second: places 1-3 go now, 4-8 in the next second, 9 the one after.
        assertThat(QueuePlaces.due(3, 0, 2, 100, 5, NOW)).isEqualTo(new QueuePlace("dialer", 3L, NOW));
        assertThat(QueuePlaces.due(4, 0, 2, 100, 5, NOW)).isEqualTo(new QueuePlace("rate", 4L, NOW.plusSeconds(1)));
        assertThat(QueuePlaces.due(8, 0, 2, 100, 5, NOW)).isEqualTo(new QueuePlace("rate", 8L, NOW.plusSeconds(1)));
        assertThat(QueuePlaces.due(9, 0, 2, 100, 5, NOW)).isEqualTo(new QueuePlace("rate", 9L, NOW.plusSeconds(2)));
        assertThat(QueuePlaces.due(1, 0, 7, 100, 5, NOW)).as("more dialed than the budget: next second")
                .isEqualTo(new QueuePlace("rate", 1L, NOW.plusSeconds(1)));
    }
}
