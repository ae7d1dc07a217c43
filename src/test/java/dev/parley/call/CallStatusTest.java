package dev.parley.call;

import static dev.parley.call.CallStatus.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class CallStatusTest {

    @Test
    void theHappyPathMovesForwardOnly() {
        assertThat(QUEUED.canMoveTo(RINGING)).isTrue();
        assertThat(RINGING.canMoveTo(IN_PROGRESS)).isTrue();
        assertThat(IN_PROGRESS.canMoveTo(COMPLETED)).isTrue();
        assertThat(RINGING.canMoveTo(QUEUED)).isFalse();
        assertThat(IN_PROGRESS.canMoveTo(RINGING)).isFalse();
        assertThat(QUEUED.canMoveTo(COMPLETED)).as("a call never answered cannot complete").isFalse();
    }

    @Test
    void anyLiveCallCanFailOrBeCanceled() {
        for (CallStatus live : EnumSet.of(QUEUED, RINGING, IN_PROGRESS)) {
            assertThat(live.canMoveTo(FAILED)).isTrue();
            assertThat(live.canMoveTo(CANCELED)).isTrue();
        }
        assertThat(IN_PROGRESS.canMoveTo(BUSY)).as("busy only before answer").isFalse();
        assertThat(RINGING.canMoveTo(NO_ANSWER)).isTrue();
    }

    @Test
    void finalStatusesNeverMove() {
        for (CallStatus done : EnumSet.of(COMPLETED, BUSY, NO_ANSWER, FAILED, CANCELED)) {
            assertThat(done.isFinal()).isTrue();
            for (CallStatus next : CallStatus.values()) {
                assertThat(done.canMoveTo(next)).as(done + " -> " + next).isFalse();
            }
        }
    }

    @Test
    void wireNamesRoundTrip() {
        for (CallStatus s : CallStatus.values()) {
            assertThat(CallStatus.fromWire(s.wire())).contains(s);
        }
        assertThat(IN_PROGRESS.wire()).isEqualTo("in-progress");
        assertThat(CallStatus.fromWire("IN_PROGRESS")).isEmpty();
    }
}
