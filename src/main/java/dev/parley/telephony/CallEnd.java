package dev.parley.telephony;

import dev.parley.call.EndReason;

/**
 * How a provider saw a call end: the reason in the API's vocabulary, the raw SIP or carrier code
 * when there was one, and whether the end was our own CANCEL or BYE. For an end we caused, the
 * provider does not know why we wanted it ({@code reason} is only what the wire showed): the call's
 * owner substitutes its own reason.
 */
public record CallEnd(EndReason reason, Integer sipCode, String detail, boolean hungUpHere) {

    /** The far end or the network ended the call. */
    public static CallEnd remote(EndReason reason, Integer sipCode, String detail) {
        return new CallEnd(reason, sipCode, detail, false);
    }

    /**
     * The far end accepted our REFER and takes the call over. The BYE that follows is part of the
     * transfer, not a hang-up whose reason the owner would substitute, so this counts as the far end's.
     */
    public static CallEnd transferred(String detail) {
        return new CallEnd(EndReason.TRANSFERRED, null, detail, false);
    }

    /** Our CANCEL or BYE ended it. */
    public static CallEnd hungUpHere(EndReason shown, Integer sipCode, String detail) {
        return new CallEnd(shown, sipCode, detail, true);
    }
}
