package dev.parley.api;

import dev.parley.telephony.stream.CarrierStreams;
import dev.parley.telephony.stream.StreamSession;
import dev.parley.telephony.stream.StreamSocket;
import io.javalin.http.Context;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.websocket.api.Callback;

/**
 * Carriers' media streams (Twilio, Telnyx) on {@link CarrierStreams#PATH}: a WebSocket, not behind
 * API keys; {@link CarrierStreams} decides who may attach. A plain GET there is told to upgrade.
 */
final class StreamRoutes {
    private final CarrierStreams streams;
    private final Map<String, StreamSession> sessions = new ConcurrentHashMap<>();

    StreamRoutes(CarrierStreams streams) {
        this.streams = streams;
    }

    void configure(WsConfig ws) {
        ws.onConnect(ctx -> streams.connect(ctx.pathParam("carrier"), ctx.pathParam("call_id"),
                        ctx.header("X-Twilio-Signature"), ctx.queryParam("token"), new Socket(ctx))
                .ifPresent(s -> sessions.put(ctx.sessionId(), s)));
        ws.onMessage(ctx -> {
            StreamSession s = sessions.get(ctx.sessionId());
            if (s != null) {
                s.text(ctx.message());
            }
        });
        ws.onClose(ctx -> {
            StreamSession s = sessions.remove(ctx.sessionId());
            if (s != null) {
                s.closed();
            }
        });
    }

    /** The route's plain HTTP face, listed in the OpenAPI document: only carriers connect, by WebSocket. */
    static void upgradeRequired(Context ctx, Envelope envelope) {
        ctx.header("Upgrade", "websocket");
        envelope.error(ctx, 426, "upgrade_required", "This is a carrier's media stream: connect with a WebSocket"
                + " upgrade to the URL Parley gave the carrier for the call", Map.of());
    }

    private record Socket(WsContext ctx) implements StreamSocket {
        @Override
        public void send(String text, Runnable done) {
            ctx.session.sendText(text, Callback.from(done, failure -> done.run()));
        }

        @Override
        public void close(int code, String reason) {
            if (ctx.session.isOpen()) {
                ctx.closeSession(code, reason);
            }
        }
    }
}
