package dev.parley.telephony;

import dev.parley.call.EndReason;
import dev.parley.number.CarrierNumber;

/**
 * Places calls through one carrier's REST API (Twilio, Telnyx) from a number of that carrier. The
 * {@link RoutingTelephonyProvider} hands it the calls whose number is one of its own.
 */
public interface CarrierProvider<N extends CarrierNumber> extends AutoCloseable {

    /** As {@link TelephonyProvider#dial}: returns soon; what happens next arrives on the listener. */
    TelephonyProvider.Active dial(TelephonyProvider.Dial dial, N number, CallListener listener);

    /**
     * A call this carrier placed from a node that died: hang it up at the carrier if it still lives
     * there (the call itself is ended {@code node-lost} by the dialer's recovery). Best effort.
     */
    default void hangUpLost(String callId) {
    }

    @Override
    default void close() {
    }

    /** A carrier that cannot place calls on this node: each call ends at once with {@code why}. */
    static <N extends CarrierNumber> CarrierProvider<N> unavailable(String why) {
        return (dial, number, listener) -> {
            listener.ended(CallEnd.remote(EndReason.CARRIER_ERROR, null, why));
            return () -> { };
        };
    }
}
