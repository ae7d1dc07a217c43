package dev.parley.telephony.sip;

import dev.parley.call.EndReason;
import dev.parley.telephony.CallEnd;

/**
 * The one place where SIP final responses become an ended reason (DESIGN.md's table); carriers that
 * report a SIP code with a cause that says nothing more (Telnyx) read it here too.
 */
public final class SipOutcomes {
    private SipOutcomes() {}

    /** @param weCanceled a CANCEL of ours went out before this final response */
    public static CallEnd ofFinalResponse(int code, String reasonPhrase, boolean weCanceled) {
        String detail = code + " " + (reasonPhrase == null ? "" : reasonPhrase);
        if (code == 487 && weCanceled) {
            return CallEnd.hungUpHere(EndReason.CANCELED, code, "canceled before answer: " + detail);
        }
        EndReason reason = switch (code) {
            case 486, 600 -> EndReason.BUSY;
            case 408, 480 -> EndReason.NO_ANSWER;
            case 603 -> EndReason.DECLINED;
            case 404, 410, 484, 604 -> EndReason.UNREACHABLE;
            default -> EndReason.CARRIER_ERROR;
        };
        return CallEnd.remote(reason, code, detail);
    }
}
