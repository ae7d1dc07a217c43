package dev.parley.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.call.Channel;
import dev.parley.call.WebCalls;
import dev.parley.telephony.stream.CarrierStreams;
import dev.parley.tenancy.Tenant;
import io.javalin.http.Context;
import java.net.URI;
import java.util.Optional;

/** A test call from the browser: a call whose phone line is a WebSocket the browser opens with a token. */
final class WebCallRoutes {
    private final WebCalls webCalls;
    private final Envelope envelope;
    private final ObjectMapper json;

    WebCallRoutes(WebCalls webCalls, Envelope envelope, ObjectMapper json) {
        this.webCalls = webCalls;
        this.envelope = envelope;
        this.json = json;
    }

    void create(Context ctx, Tenant tenant) {
        WebCalls.Issued issued = webCalls.create(tenant, RequestBody.json(ctx, json), Optional.ofNullable(ctx.header("Idempotency-Key")));
        if (issued.replayed()) {
            ctx.header("Idempotent-Replayed", "true");
        }
        // The token is in this response only, so nothing on the way may keep it.
        ctx.header("Cache-Control", "no-store");
        ObjectNode data = json.createObjectNode();
        data.put("call_id", issued.callId());
        data.put("status", "queued");
        data.put("assistant_id", issued.assistantId());
        data.put("channel", Channel.WEB.wire());
        data.put("websocket_url", websocketUrl(ctx, issued.callId()));
        data.put("token", issued.token());
        data.put("expires_at", issued.expiresAt().toString());
        envelope.ok(ctx, "Web call created: open websocket_url and send the token in the start message before expires_at", data);
    }

    /**
     * Under {@code public.url} when set (the browser may be elsewhere than the application that asked),
     * else at the address this request came to, which its sender can reach: {@code wss://} when it came
     * over https, itself or through a TLS-terminating proxy (a page on https may not open {@code ws://}).
     */
    private String websocketUrl(Context ctx, String callId) {
        String path = CarrierStreams.browserPath(callId);
        Optional<URI> base = webCalls.publicUrl();
        if (base.isPresent()) {
            URI b = base.get();
            String prefix = b.getRawPath() == null ? "" : b.getRawPath().replaceAll("/+$", "");
            return ("https".equalsIgnoreCase(b.getScheme()) ? "wss" : "ws") + "://" + b.getRawAuthority() + prefix + path;
        }
        String host = ctx.host() != null ? ctx.host() : ctx.req().getLocalAddr() + ":" + ctx.req().getLocalPort();
        return (RequestScheme.https(ctx) ? "wss" : "ws") + "://" + host + path;
    }
}
