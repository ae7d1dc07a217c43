package dev.parley.telephony;

import dev.parley.call.Channel;
import dev.parley.number.CarrierNumber;
import dev.parley.store.DatabaseException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Picks the carrier of each call by the number that places it ({@code from_number} when the
 * workspace owns it, else the workspace's default): a Twilio or Telnyx number goes to that carrier's
 * REST API, a SIP trunk number (or none: the node's trunk, the sandbox) to the SIP user agent. A web
 * call has no number: it goes to the web channel, which waits for the call's browser.
 */
public final class RoutingTelephonyProvider implements TelephonyProvider {
    private static final Duration ROUTE_PATIENCE = Duration.ofSeconds(30);
    private final BiFunction<String, Optional<String>, Optional<CarrierNumber>> numbers;
    private final TelephonyProvider sip;
    private final CarrierProvider<CarrierNumber.Twilio> twilio;
    private final CarrierProvider<CarrierNumber.Telnyx> telnyx;
    private final TelephonyProvider web;

    /**
     * @param numbers the number a call is placed from, by workspace and requested {@code from_number}
     * @param web the web channel: calls from a browser
     */
    public RoutingTelephonyProvider(BiFunction<String, Optional<String>, Optional<CarrierNumber>> numbers, TelephonyProvider sip,
                                    CarrierProvider<CarrierNumber.Twilio> twilio, CarrierProvider<CarrierNumber.Telnyx> telnyx,
                                    TelephonyProvider web) {
        this.numbers = numbers;
        this.sip = sip;
        this.twilio = twilio;
        this.telnyx = telnyx;
        this.web = web;
    }

    @Override
    public Active dial(Dial dial, CallListener listener) {
        if (dial.channel() == Channel.WEB) {
            return web.dial(dial, listener);
        }
        return switch (route(dial).orElse(null)) {
            case CarrierNumber.Twilio t -> twilio.dial(dial, t, listener);
            case CarrierNumber.Telnyx t -> telnyx.dial(dial, t, listener);
            case CarrierNumber.Sip s -> sip.dial(dial, listener);
            case null -> sip.dial(dial, listener);
        };
    }

    /**
     * The number is read from the database before anything goes out, so a read that fails while the
     * database restarts is tried again (issue 15: such a call ended {@code carrier-error} undialed).
     */
    private Optional<CarrierNumber> route(Dial dial) {
        long deadline = System.nanoTime() + ROUTE_PATIENCE.toNanos();
        long wait = 100;
        while (true) {
            try {
                return numbers.apply(dial.workspaceId(), dial.fromNumber());
            } catch (RuntimeException e) {
                if (!DatabaseException.isOutage(e) || System.nanoTime() + wait * 1_000_000 - deadline > 0) {
                    throw e;
                }
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                wait = Math.min(2_000, wait * 2);
            }
        }
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
        web.close();
        sip.close();
    }
}
