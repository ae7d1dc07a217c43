package dev.parley.telephony.telnyx;

import dev.parley.number.CarrierNumber;
import java.util.Optional;

/** What the Telnyx provider keeps of its calls with the call's row, so that any node can check a webhook. */
public interface TelnyxCalls {

    /** The call goes out through Telnyx; its {@code call_control_id} once known, else null. */
    void placed(String callId, String callControlId);

    /** Telnyx's own word on the end ({@code hangup_cause}), kept as the call's carrier code. */
    void hungUp(String callId, String cause);

    /** A call placed through Telnyx, whichever node placed it. */
    Optional<Placed> find(String callId);

    /**
     * @param number the Telnyx number that placed it: its public key verifies the call's webhooks
     * @param ended whether the call has its final status
     * @param callControlId Telnyx's id of the call, once known
     */
    record Placed(CarrierNumber.Telnyx number, boolean ended, Optional<String> callControlId) {}
}
