package dev.parley.call;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class EndReasonTest {

    @Test
    void theVocabularyIsDesignsAndEachReasonNamesItsFinalStatus() {
        assertThat(Arrays.stream(EndReason.values()).map(EndReason::wire)).containsExactly(
                "assistant-ended", "callee-ended", "api-hangup", "canceled", "max-duration", "silence-timeout", "busy",
                "no-answer", "declined", "unreachable", "carrier-error", "capacity", "blocked", "opted-out", "voicemail",
                "transferred", "provider-error", "node-lost");
        assertThat(EndReason.CALLEE_ENDED.status()).isEqualTo(CallStatus.COMPLETED);
        assertThat(EndReason.CANCELED.status()).isEqualTo(CallStatus.CANCELED);
        assertThat(EndReason.BUSY.status()).isEqualTo(CallStatus.BUSY);
        assertThat(EndReason.NO_ANSWER.status()).isEqualTo(CallStatus.NO_ANSWER);
        assertThat(EndReason.UNREACHABLE.status()).isEqualTo(CallStatus.FAILED);
        assertThat(Arrays.stream(EndReason.values())).allSatisfy(r -> {
            assertThat(r.status().isFinal()).as(r.wire()).isTrue();
            assertThat(EndReason.fromWire(r.wire())).as(r.wire()).contains(r);
        });
        assertThat(EndReason.fromWire("hung-up")).isEmpty();
    }

    @Test
    void aHangUpOfOursBeforeTheAnswerIsACancelWhateverAskedForIt() {
        assertThat(EndReason.API_HANGUP.beforeAnswer()).isEqualTo(EndReason.CANCELED);
        assertThat(EndReason.NO_ANSWER.beforeAnswer()).as("the ring timeout keeps its reason").isEqualTo(EndReason.NO_ANSWER);
        assertThat(EndReason.CARRIER_ERROR.beforeAnswer()).isEqualTo(EndReason.CARRIER_ERROR);
    }
}
