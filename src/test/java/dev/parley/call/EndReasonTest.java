package dev.parley.call;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.amd.AnsweredBy;
import dev.parley.safeguards.RetryOutcome;
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

    /** An end the far end reports for a call never answered here can always be written: queued or ringing may move to it. */
    @Test
    void theFarEndsReasonForACallNeverAnsweredHereIsOneItCanEndWith() {
        assertThat(EndReason.CALLEE_ENDED.unanswered()).as("a carrier's completed before its stream started").isEqualTo(EndReason.CARRIER_ERROR);
        assertThat(EndReason.BUSY.unanswered()).isEqualTo(EndReason.BUSY);
        for (EndReason r : EndReason.values()) {
            assertThat(CallStatus.QUEUED.canMoveTo(r.unanswered().status())).as("%s, unanswered, from queued", r).isTrue();
            assertThat(CallStatus.RINGING.canMoveTo(r.unanswered().status())).as("%s, unanswered, from ringing", r).isTrue();
        }
    }

    /** The one classification of ended reasons for retry.on, for every reason, before and after an answer. */
    @Test
    void retryOutcomesBeforeAnAnswerAndNeverAfterAPerson() {
        java.util.Map<EndReason, String> before = new java.util.EnumMap<>(EndReason.class);
        for (EndReason r : EndReason.values()) {
            before.put(r, r.retryOutcome(false, null).map(RetryOutcome::wire).orElse("-"));
        }
        assertThat(before).containsExactlyInAnyOrderEntriesOf(java.util.Map.ofEntries(
                java.util.Map.entry(EndReason.ASSISTANT_ENDED, "-"), java.util.Map.entry(EndReason.CALLEE_ENDED, "-"),
                java.util.Map.entry(EndReason.API_HANGUP, "-"), java.util.Map.entry(EndReason.CANCELED, "-"),
                java.util.Map.entry(EndReason.MAX_DURATION, "-"), java.util.Map.entry(EndReason.SILENCE_TIMEOUT, "-"),
                java.util.Map.entry(EndReason.BUSY, "busy"), java.util.Map.entry(EndReason.NO_ANSWER, "no-answer"),
                java.util.Map.entry(EndReason.DECLINED, "-"), java.util.Map.entry(EndReason.UNREACHABLE, "failed"),
                java.util.Map.entry(EndReason.CARRIER_ERROR, "failed"), java.util.Map.entry(EndReason.CAPACITY, "failed"),
                java.util.Map.entry(EndReason.BLOCKED, "-"), java.util.Map.entry(EndReason.OPTED_OUT, "-"),
                java.util.Map.entry(EndReason.VOICEMAIL, "voicemail"), java.util.Map.entry(EndReason.TRANSFERRED, "-"),
                java.util.Map.entry(EndReason.PROVIDER_ERROR, "failed"), java.util.Map.entry(EndReason.NODE_LOST, "failed")));
        assertThat(Arrays.stream(EndReason.values()).filter(r -> r.retryOutcome(true, null).isPresent()))
                .as("after an answer only a machine's call is retried").containsExactly(EndReason.VOICEMAIL);
        assertThat(EndReason.VOICEMAIL.retryOutcome(true, AnsweredBy.Who.machine)).contains(RetryOutcome.VOICEMAIL);
        assertThat(Arrays.stream(EndReason.values()).filter(r -> r.retryOutcome(true, AnsweredBy.Who.human).isPresent()
                || r.retryOutcome(false, AnsweredBy.Who.human).isPresent())).as("a person answered").isEmpty();
    }
}
