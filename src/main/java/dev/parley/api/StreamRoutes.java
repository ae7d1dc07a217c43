package dev.parley.api;

import dev.parley.telephony.stream.BrowserSession;
import dev.parley.telephony.stream.CarrierStreams;
import dev.parley.telephony.stream.StreamSession;
import dev.parley.telephony.stream.StreamSocket;
import io.javalin.http.Context;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsContext;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.websocket.api.Callback;

/**
 * Carriers' media streams (Twilio, Telnyx) on {@link CarrierStreams#PATH} and browsers' on
 * {@link CarrierStreams#BROWSER_PATH}: WebSockets, not behind API keys; {@link CarrierStreams} decides
 * who may attach. A plain GET there is told to upgrade.
 */
final class StreamRoutes {
    private final CarrierStreams streams;
    private final Map<String, StreamSession> sessions = new ConcurrentHashMap<>();
    private final Map<String, BrowserSession> browsers = new ConcurrentHashMap<>();

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

    void configureBrowser(WsConfig ws) {
        ws.onConnect(ctx -> streams.connectBrowser(ctx.pathParam("call_id"), new Socket(ctx))
                .ifPresent(s -> browsers.put(ctx.sessionId(), s)));
        ws.onMessage(ctx -> {
            BrowserSession s = browsers.get(ctx.sessionId());
            if (s != null) {
                s.text(ctx.message());
            }
        });
        ws.onBinaryMessage(ctx -> {
            BrowserSession s = browsers.get(ctx.sessionId());
            if (s != null) {
                s.binary(ctx.data());
            }
        });
        ws.onClose(ctx -> {
            BrowserSession s = browsers.remove(ctx.sessionId());
            if (s != null) {
                s.closed();
            }
        });
    }

    /** The browser route's plain HTTP face: a web call's browser connects by WebSocket. */
    static void browserUpgradeRequired(Context ctx, Envelope envelope) {
        ctx.header("Upgrade", "websocket");
        envelope.error(ctx, 426, "upgrade_required", "This is a web call's audio stream: connect with a WebSocket upgrade"
                + " to the websocket_url of POST /v1/admin/assistant/web-call", Map.of());
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
        public void send(ByteBuffer bytes, Runnable done) {
            ctx.session.sendBinary(bytes, Callback.from(done, failure -> done.run()));
        }

        @Override
        public void close(int code, String reason) {
            if (ctx.session.isOpen()) {
                ctx.closeSession(code, reason);
            }
        }
    }
}
