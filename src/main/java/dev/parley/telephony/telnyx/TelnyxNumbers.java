package dev.parley.telephony.telnyx;

import java.util.Optional;

/** Where the Telnyx provider finds a workspace's Telnyx numbers (stored with the workspace's phone numbers). */
public interface TelnyxNumbers {

    /** The account a call from {@code fromNumber} (else the workspace's default number) goes out through. */
    Optional<TelnyxAccount> forDial(String workspaceId, Optional<String> fromNumber);

    /**
     * The account of a call placed through Telnyx, whichever node placed it, and whether the call has
     * ended: what a webhook for a call this node does not hold is checked against.
     */
    Optional<Placed> forCall(String callId);

    /** @param callControlId Telnyx's id of the call, once known */
    record Placed(TelnyxAccount account, boolean ended, Optional<String> callControlId) {}
}
