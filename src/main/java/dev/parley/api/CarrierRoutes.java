package dev.parley.api;

import dev.parley.telephony.telnyx.TelnyxWebhooks;
import io.javalin.http.Context;

/**
 * Carriers calling back: open routes (a carrier holds no API key), each request proven by the
 * carrier's own signature, checked by the carrier's provider before anything is read.
 */
final class CarrierRoutes {
    private final TelnyxWebhooks telnyx;
    private final Envelope envelope;

    CarrierRoutes(TelnyxWebhooks telnyx, Envelope envelope) {
        this.telnyx = telnyx;
        this.envelope = envelope;
    }

    /** {@code POST /v1/carriers/telnyx/calls/{call_id}/events}: one Call Control webhook, Ed25519-signed. */
    void telnyxEvent(Context ctx) {
        telnyx.receive(ctx.pathParam("call_id"), ctx.header("telnyx-timestamp"), ctx.header("telnyx-signature-ed25519"),
                ctx.bodyAsBytes());
        envelope.ok(ctx, "Event received", null);
    }
}
