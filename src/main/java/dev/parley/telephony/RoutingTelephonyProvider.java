package dev.parley.telephony;

import dev.parley.number.CarrierNumber;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Picks the carrier of each call by the number that places it ({@code from_number} when the
 * workspace owns it, else the workspace's default): a Twilio or Telnyx number goes to that carrier's
 * REST API, a SIP trunk number (or none: the node's trunk, the sandbox) to the SIP user agent.
 */
public final class RoutingTelephonyProvider implements TelephonyProvider {
    private final BiFunction<String, Optional<String>, Optional<CarrierNumber>> numbers;
    private final TelephonyProvider sip;
    private final CarrierProvider<CarrierNumber.Twilio> twilio;
    private final CarrierProvider<CarrierNumber.Telnyx> telnyx;

    /** @param numbers the number a call is placed from, by workspace and requested {@code from_number} */
    public RoutingTelephonyProvider(BiFunction<String, Optional<String>, Optional<CarrierNumber>> numbers, TelephonyProvider sip,
                                    CarrierProvider<CarrierNumber.Twilio> twilio, CarrierProvider<CarrierNumber.Telnyx> telnyx) {
        this.numbers = numbers;
        this.sip = sip;
        this.twilio = twilio;
        this.telnyx = telnyx;
    }

    @Override
    public Active dial(Dial dial, CallListener listener) {
        return switch (numbers.apply(dial.workspaceId(), dial.fromNumber()).orElse(null)) {
            case CarrierNumber.Twilio t -> twilio.dial(dial, t, listener);
            case CarrierNumber.Telnyx t -> telnyx.dial(dial, t, listener);
            case CarrierNumber.Sip s -> sip.dial(dial, listener);
            case null -> sip.dial(dial, listener);
        };
    }

    @Override
    public void hangUpLost(String callId) {
        twilio.hangUpLost(callId);
        telnyx.hangUpLost(callId);
    }

    @Override
    public void close() {
        twilio.close();
        telnyx.close();
        sip.close();
    }
}
