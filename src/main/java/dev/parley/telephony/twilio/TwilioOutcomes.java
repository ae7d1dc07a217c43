package dev.parley.telephony.twilio;

import dev.parley.amd.AnsweredBy;
import dev.parley.call.EndReason;
import dev.parley.telephony.CallEnd;
import dev.parley.telephony.sip.SipOutcomes;
import java.util.Map;
import java.util.Optional;

/**
 * The one place where Twilio's word on a call becomes Parley's: its {@code CallStatus} (with
 * {@code SipResponseCode} and {@code ErrorCode}) as a step of the call or its end, and its
 * {@code AnsweredBy} as who answered. Twilio's own code is kept as the call's {@code carrier_code}.
 */
final class TwilioOutcomes {
    private TwilioOutcomes() {}

    /** What one status means for the call. */
    sealed interface Step {
        /** queued, initiated: nothing to tell. */
        record Nothing() implements Step {}

        record Ringing() implements Step {}

        /** in-progress: answered at Twilio; the call's audio comes with its media stream. */
        record Answered() implements Step {}

        record Ended(CallEnd end, Optional<String> carrierCode) implements Step {}
    }

    /**
     * @param params the callback's (or a fetched call's) parameters
     * @param hungUpHere whether we asked Twilio to end the call (a REST update): its end is then ours
     */
    static Step of(Map<String, String> params, boolean hungUpHere) {
        String status = params.getOrDefault("CallStatus", "");
        Integer sip = integer(params.get("SipResponseCode"));
        Optional<String> code = Optional.ofNullable(params.get("ErrorCode")).filter(s -> !s.isBlank())
                .or(() -> Optional.ofNullable(sip).map(String::valueOf));
        String detail = "Twilio: " + status + (sip != null ? ", SIP " + sip : "")
                + (params.get("ErrorCode") != null ? ", error " + params.get("ErrorCode") : "");
        return switch (status) {
            case "queued", "initiated" -> new Step.Nothing();
            case "ringing" -> new Step.Ringing();
            case "in-progress", "answered" -> new Step.Answered();
            case "completed" -> ended(hungUpHere
                    ? CallEnd.hungUpHere(EndReason.CALLEE_ENDED, sip, detail)
                    : CallEnd.remote(EndReason.CALLEE_ENDED, sip, detail), code);
            case "canceled" -> ended(hungUpHere
                    ? CallEnd.hungUpHere(EndReason.CANCELED, sip, detail)
                    : CallEnd.remote(EndReason.CANCELED, sip, detail), code);
            case "busy" -> ended(CallEnd.remote(EndReason.BUSY, sip == null ? 486 : sip, detail), code);
            case "no-answer" -> ended(CallEnd.remote(EndReason.NO_ANSWER, sip, detail), code);
            case "failed" -> ended(CallEnd.remote(sip == null ? EndReason.CARRIER_ERROR
                    : SipOutcomes.ofFinalResponse(sip, null, false).reason(), sip, detail), code);
            default -> new Step.Nothing(); // a status Twilio may add later: the end still comes, or reconciliation finds it
        };
    }

    private static Step ended(CallEnd end, Optional<String> code) {
        return new Step.Ended(end, code);
    }

    /** Whether a status is one Twilio never leaves. */
    static boolean isFinal(String status) {
        return switch (status) {
            case "completed", "canceled", "busy", "no-answer", "failed" -> true;
            default -> false;
        };
    }

    /**
     * Twilio's {@code AnsweredBy} (asynchronous machine detection): {@code machine_end_beep} is a
     * mailbox whose beep was heard, the other {@code machine_*} values a mailbox without one (yet).
     */
    static Optional<AnsweredBy> answeredBy(Map<String, String> params) {
        String by = params.getOrDefault("AnsweredBy", "");
        Integer ms = integer(params.get("MachineDetectionDuration"));
        int after = ms == null ? 0 : ms;
        return Optional.ofNullable(switch (by) {
            case "human" -> new AnsweredBy(AnsweredBy.Who.human, false, 1.0, after);
            case "machine_end_beep" -> new AnsweredBy(AnsweredBy.Who.machine, true, 1.0, after);
            case "machine_start", "machine_end_silence", "machine_end_other" -> new AnsweredBy(AnsweredBy.Who.machine, false, 1.0, after);
            case "fax" -> new AnsweredBy(AnsweredBy.Who.fax, false, 1.0, after);
            case "unknown" -> new AnsweredBy(AnsweredBy.Who.unknown, false, 0.0, after);
            default -> null;
        });
    }

    private static Integer integer(String s) {
        try {
            return s == null || s.isBlank() ? null : Integer.valueOf(s.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
