package dev.parley.telephony.twilio;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.amd.AnsweredBy;
import dev.parley.call.EndReason;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class TwilioOutcomesTest {

    private static TwilioOutcomes.Step.Ended ended(Map<String, String> p, boolean ours) {
        return (TwilioOutcomes.Step.Ended) TwilioOutcomes.of(p, ours);
    }

    @Test
    void finalStatusesMapOntoEndedReasonsKeepingTwiliosCode() {
        var busy = ended(Map.of("CallStatus", "busy", "SipResponseCode", "486"), false);
        assertThat(busy.end().reason()).isEqualTo(EndReason.BUSY);
        assertThat(busy.end().sipCode()).isEqualTo(486);
        assertThat(busy.carrierCode()).contains("486");
        assertThat(ended(Map.of("CallStatus", "no-answer"), false).end().reason()).isEqualTo(EndReason.NO_ANSWER);
        var failed = ended(Map.of("CallStatus", "failed", "SipResponseCode", "404", "ErrorCode", "13224"), false);
        assertThat(failed.end().reason()).as("the SIP table decides").isEqualTo(EndReason.UNREACHABLE);
        assertThat(failed.carrierCode()).as("Twilio's own error code first").contains("13224");
        assertThat(ended(Map.of("CallStatus", "failed", "ErrorCode", "31005"), false).end().reason()).isEqualTo(EndReason.CARRIER_ERROR);
        assertThat(ended(Map.of("CallStatus", "completed"), false).end().reason()).isEqualTo(EndReason.CALLEE_ENDED);
        assertThat(ended(Map.of("CallStatus", "completed"), true).end().hungUpHere()).as("after our REST hang-up").isTrue();
        assertThat(ended(Map.of("CallStatus", "canceled"), true).end().reason()).isEqualTo(EndReason.CANCELED);
    }

    @Test
    void stepsOnTheWay() {
        assertThat(TwilioOutcomes.of(Map.of("CallStatus", "initiated"), false)).isInstanceOf(TwilioOutcomes.Step.Nothing.class);
        assertThat(TwilioOutcomes.of(Map.of("CallStatus", "ringing"), false)).isInstanceOf(TwilioOutcomes.Step.Ringing.class);
        assertThat(TwilioOutcomes.of(Map.of("CallStatus", "in-progress"), false)).isInstanceOf(TwilioOutcomes.Step.Answered.class);
    }

    @Test
    void answeredByMapsOntoWhoAnswered() {
        assertThat(TwilioOutcomes.answeredBy(Map.of("AnsweredBy", "machine_end_beep", "MachineDetectionDuration", "4100")))
                .contains(new AnsweredBy(AnsweredBy.Who.machine, true, 1.0, 4100));
        assertThat(TwilioOutcomes.answeredBy(Map.of("AnsweredBy", "machine_start")).orElseThrow().beep()).isFalse();
        assertThat(TwilioOutcomes.answeredBy(Map.of("AnsweredBy", "human")).orElseThrow().who()).isEqualTo(AnsweredBy.Who.human);
        assertThat(TwilioOutcomes.answeredBy(Map.of("AnsweredBy", "fax")).orElseThrow().who()).isEqualTo(AnsweredBy.Who.fax);
        assertThat(TwilioOutcomes.answeredBy(Map.of())).isEmpty();
    }
}
