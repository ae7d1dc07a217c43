package dev.parley.telephony;

import dev.parley.call.Channel;
import java.time.Duration;
import java.util.Optional;

/**
 * How Parley places a call: over SIP, a carrier's REST API, or to a browser that joins over a
 * WebSocket ({@link RoutingTelephonyProvider} picks per call). Wired by hand in {@code ParleyApp}.
 * {@link #dial} returns at once; what happens next arrives on the listener.
 */
public interface TelephonyProvider extends AutoCloseable {

    /**
     * @param ringTimeout how long the caller lets it ring: the owner cancels then; a carrier may take it too
     * @param maxDuration the call's limit from the answer: the owner hangs up then; a carrier may back it up
     * @param detectMachines whether the assistant asks who answered: a carrier that detects machines is asked to
     * @param channel a phone call goes to its number; a web call (no number) waits for its browser
     */
    record Dial(String callId, String workspaceId, String toNumber, Optional<String> fromNumber, Duration ringTimeout,
                Duration maxDuration, boolean detectMachines, Channel channel) {
        public Dial(String callId, String workspaceId, String toNumber, Optional<String> fromNumber, Duration ringTimeout,
                    Duration maxDuration, boolean detectMachines) {
            this(callId, workspaceId, toNumber, fromNumber, ringTimeout, maxDuration, detectMachines, Channel.PHONE);
        }

        public Dial(String callId, String workspaceId, String toNumber, Optional<String> fromNumber, Duration ringTimeout) {
            this(callId, workspaceId, toNumber, fromNumber, ringTimeout, Duration.ofHours(1), false);
        }
    }

    /** A call being placed or in progress. */
    interface Active {
        /** CANCEL before answer, BYE after; safe to call at any time, more than once. The end arrives on the listener. */
        void hangup();

        /**
         * Hands the answered call to {@code destination} (an E.164 number or a SIP URI): SIP REFER
         * (RFC 3515), the far end places the new call. Returns once the far end accepted the
         * transfer (202) or refused it; an accepted transfer ends this call, reported on the
         * listener with {@code EndReason.TRANSFERRED}.
         *
         * @return whether the transfer was accepted
         */
        default boolean transfer(String destination) {
            return false;
        }
    }

    Active dial(Dial dial, CallListener listener);

    /**
     * A call placed from a node that died and found on recovery: hang it up at the carrier if it still
     * lives there. SIP needs nothing (the far end's session timers and the lost media end it); a REST
     * carrier's call would otherwise go on, billed, until its time limit. Best effort, may block briefly.
     */
    default void hangUpLost(String callId) {
    }

    @Override
    void close();
}
