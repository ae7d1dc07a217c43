package dev.parley.telephony.telnyx;

import dev.parley.amd.AnsweredBy;
import dev.parley.call.EndReason;
import dev.parley.telephony.CallEnd;
import dev.parley.telephony.sip.SipOutcomes;

/**
 * The one place where Telnyx's webhooks become what Parley knows of a call: its status moves, who
 * answered, and how it ended (DESIGN.md's ended reasons), Telnyx's own {@code hangup_cause} kept in
 * the detail with its SIP code. Telnyx sends no ringing event for a call it dials: {@code call.initiated}
 * (the call is going out) counts as ringing.
 */
final class TelnyxOutcomes {
    private TelnyxOutcomes() {}

    /** What an event means for the call. */
    sealed interface Step {
        record Ringing() implements Step {}
        record Answered() implements Step {}
        record StreamStarted() implements Step {}
        /** The stream ended or never started: the call's end still comes with {@code call.hangup}. */
        record StreamEnded(boolean failed) implements Step {}
        record Machine(AnsweredBy.Who who, boolean beep) implements Step {}
        record Hangup(String cause, Integer sipCode) implements Step {}
        /** Events Parley does not act on (DTMF comes over the media stream, once). */
        record Ignored() implements Step {}
    }

    static Step of(TelnyxEvent e) {
        return switch (e.type()) {
            case "call.initiated", "call.ringing" -> new Step.Ringing();
            case "call.answered" -> new Step.Answered();
            case "streaming.started" -> new Step.StreamStarted();
            case "streaming.stopped" -> new Step.StreamEnded(false);
            case "streaming.failed" -> new Step.StreamEnded(true);
            case "call.machine.detection.ended", "call.machine.premium.detection.ended" -> machine(e.result());
            case "call.machine.greeting.ended", "call.machine.premium.greeting.ended" ->
                    e.result().startsWith("beep") ? new Step.Machine(AnsweredBy.Who.machine, true) : new Step.Ignored();
            case "call.hangup" -> new Step.Hangup(e.hangupCause().isEmpty() ? "unspecified" : e.hangupCause(), e.sipCode());
            default -> new Step.Ignored();
        };
    }

    private static Step machine(String result) {
        return switch (result) {
            case "human", "human_residence", "human_business" -> new Step.Machine(AnsweredBy.Who.human, false);
            case "machine" -> new Step.Machine(AnsweredBy.Who.machine, false);
            case "fax_detected" -> new Step.Machine(AnsweredBy.Who.fax, false);
            default -> new Step.Machine(AnsweredBy.Who.unknown, false); // not_sure, silence
        };
    }

    /**
     * How a call ended by Telnyx's {@code call.hangup}.
     *
     * @param answered whether {@code call.answered} came first
     * @param hungUpHere whether our own hangup command went out: the owner then names the reason
     */
    static CallEnd ended(String cause, Integer sipCode, boolean answered, boolean hungUpHere) {
        EndReason reason = switch (cause) {
            case "normal_clearing" -> answered ? EndReason.CALLEE_ENDED : bySip(sipCode);
            case "originator_cancel" -> EndReason.CANCELED;
            case "user_busy" -> EndReason.BUSY;
            case "no_answer", "timeout" -> EndReason.NO_ANSWER;
            case "time_limit" -> EndReason.MAX_DURATION;
            case "call_rejected" -> EndReason.DECLINED;
            case "not_found", "unallocated_number" -> EndReason.UNREACHABLE;
            default -> answered ? EndReason.CALLEE_ENDED : bySip(sipCode);
        };
        String detail = "telnyx " + cause + (sipCode == null ? "" : " (SIP " + sipCode + ")");
        if (hungUpHere) {
            return CallEnd.hungUpHere(reason, sipCode, detail);
        }
        return CallEnd.remote(reason, sipCode, detail);
    }

    /** A cause that does not say more: the SIP code does, as for a SIP trunk. */
    private static EndReason bySip(Integer code) {
        return code == null ? EndReason.CARRIER_ERROR : SipOutcomes.ofFinalResponse(code, "", false).reason();
    }
}
