package dev.parley.call;

import java.util.Optional;

/**
 * What carries a call: the phone network (a number dialed over SIP or a carrier), or a browser's
 * WebSocket (a test call from the dashboard or any web page). A web call has no callee number, so
 * the rules about numbers (do-not-call list, destinations, calling hours, machine detection) do not
 * apply to it; everything else (limits, caps, transcript, recording, webhooks) does.
 */
public enum Channel {
    PHONE("phone"), WEB("web");

    private final String wire;

    Channel(String wire) {
        this.wire = wire;
    }

    /** The name in the API and the database. */
    public String wire() {
        return wire;
    }

    public static Optional<Channel> fromWire(String s) {
        for (Channel c : values()) {
            if (c.wire.equals(s)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
