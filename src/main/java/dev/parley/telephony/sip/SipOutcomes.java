package dev.parley.telephony.sip;

import dev.parley.call.CallStatus;
import dev.parley.telephony.CallEnd;

/** The one place where SIP final responses become a call's status and ended reason (DESIGN.md's table). */
public final class SipOutcomes {
    private SipOutcomes() {}

    /**
     * @param cancelledBy why we sent CANCEL before this final response: null, "ring-timeout" or "api"
     */
    public static CallEnd ofFinalResponse(int code, String reasonPhrase, String cancelledBy) {
        String detail = code + " " + (reasonPhrase == null ? "" : reasonPhrase);
        if (code == 487 && cancelledBy != null) {
            return cancelledBy.equals("ring-timeout")
                    ? new CallEnd(CallStatus.NO_ANSWER, "no-answer", code, "rang out: " + detail)
                    : new CallEnd(CallStatus.CANCELED, "canceled", code, "canceled before answer: " + detail);
        }
        return switch (code) {
            case 486, 600 -> new CallEnd(CallStatus.BUSY, "busy", code, detail);
            case 408, 480 -> new CallEnd(CallStatus.NO_ANSWER, "no-answer", code, detail);
            case 603 -> new CallEnd(CallStatus.FAILED, "declined", code, detail);
            case 404, 410, 484, 604 -> new CallEnd(CallStatus.FAILED, "unreachable", code, detail);
            default -> new CallEnd(CallStatus.FAILED, "carrier-error", code, detail);
        };
    }
}
