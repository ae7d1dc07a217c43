package dev.parley.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.error.Problem;
import dev.parley.telephony.telnyx.TelnyxWebhooks;
import dev.parley.telephony.twilio.TwilioCallbacks;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /v1/carriers/...}: what carriers send about the calls they carry. Open routes (a carrier
 * holds no API key), each request proven by the carrier's own signature, checked by the carrier's
 * provider before anything is read.
 */
final class CarrierRoutes {
    private final TwilioCallbacks twilio;
    private final TelnyxWebhooks telnyx;
    private final Envelope envelope;
    private final ObjectMapper json;

    CarrierRoutes(TwilioCallbacks twilio, TelnyxWebhooks telnyx, Envelope envelope, ObjectMapper json) {
        this.twilio = twilio;
        this.telnyx = telnyx;
        this.envelope = envelope;
        this.json = json;
    }

    void twilioStatus(Context ctx) {
        receive(ctx, TwilioCallbacks.Kind.STATUS);
    }

    void twilioAmd(Context ctx) {
        receive(ctx, TwilioCallbacks.Kind.AMD);
    }

    /** {@code POST /v1/carriers/telnyx/calls/{call_id}/events}: one Call Control webhook, Ed25519-signed. */
    void telnyxEvent(Context ctx) {
        telnyx.receive(ctx.pathParam("call_id"), ctx.header("telnyx-timestamp"), ctx.header("telnyx-signature-ed25519"),
                ctx.bodyAsBytes());
        envelope.ok(ctx, "Event received", null);
    }

    private void receive(Context ctx, TwilioCallbacks.Kind kind) {
        Map<String, String> params = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> p : ctx.formParamMap().entrySet()) {
            params.put(p.getKey(), p.getValue().isEmpty() ? "" : p.getValue().getFirst());
        }
        var outcome = twilio.receive(ctx.pathParam("call_id"), kind, params, ctx.header("X-Twilio-Signature"));
        if (outcome == TwilioCallbacks.Outcome.FORBIDDEN) {
            throw Problem.forbidden("twilio_signature_invalid", "X-Twilio-Signature is missing or does not match this URL and"
                    + " its parameters under the auth token of the number that placed the call; only Twilio may call this route");
        }
        envelope.ok(ctx, "Received", json.createObjectNode());
    }
}
