package dev.parley.ai.deepgram;

import dev.parley.ai.ProviderFailure;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One WebSocket connection to Deepgram's {@code /v1/listen}. It only translates: what arrives is
 * posted to the session as {@link Signal}s tagged with this link (so a late message from a link the
 * session already gave up is recognized and ignored); sends are made by the session's own thread,
 * one at a time, as {@link WebSocket} requires.
 */
final class DeepgramLink implements WebSocket.Listener {
    static final String PROVIDER = "deepgram";

    /** What a link tells its session. */
    sealed interface Signal {
        DeepgramLink link();

        record Opened(DeepgramLink link) implements Signal {}

        record Received(DeepgramLink link, DeepgramMessage message) implements Signal {}

        record Lost(DeepgramLink link, ProviderFailure failure) implements Signal {}
    }

    private final Consumer<Signal> post;
    private final StringBuilder text = new StringBuilder();
    private volatile WebSocket socket;
    private volatile boolean abandoned;
    /** Session ms of the first frame sent on this link: Deepgram's timestamps count from there. */
    long offsetMs = -1;
    /** Audio ms sent on this link since the last message arrived (for the stall check); session thread only. */
    long sentSinceHeardMs;
    long lastHeardNanos;
    long openedNanos;
    boolean heardAnything;

    private DeepgramLink(Consumer<Signal> post) {
        this.post = post;
    }

    /** Starts the handshake and returns at once; {@link Signal.Opened} or {@link Signal.Lost} follows. */
    static DeepgramLink connect(HttpClient http, URI uri, Optional<String> key, Duration timeout, Consumer<Signal> post) {
        DeepgramLink link = new DeepgramLink(post);
        WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(timeout);
        key.ifPresent(k -> b.header("Authorization", "Token " + k));
        b.buildAsync(uri, link).whenComplete((ws, error) -> {
            if (error == null) {
                link.socket = ws;
                if (link.abandoned) {
                    ws.abort(); // given up while it connected
                    return;
                }
                post.accept(new Signal.Opened(link));
            } else {
                post.accept(new Signal.Lost(link, refused(error)));
            }
        });
        return link;
    }

    /** A handshake that failed: by HTTP status when the server answered one, else below HTTP. */
    static ProviderFailure refused(Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e instanceof WebSocketHandshakeException h && h.getResponse() != null) {
            return ProviderFailure.ofStatus(PROVIDER, h.getResponse().statusCode(),
                    h.getResponse().headers().firstValue("Retry-After").orElse(null), Instant.now());
        }
        return ProviderFailure.ofIo(PROVIDER, e);
    }

    /**
     * A close the session did not ask for. Deepgram closes with 1008 (policy violation) or 1003 when
     * the audio cannot be decoded or a parameter is wrong, which the same request would repeat; any
     * other close (1011 on its timeouts, 1006 for a dropped connection) may go away on a new one.
     */
    static ProviderFailure closed(int code, String reason) {
        boolean retryable = code != 1008 && code != 1003;
        String why = reason == null || reason.isBlank() ? "" : ": " + (reason.length() > 120 ? reason.substring(0, 120) : reason);
        return ProviderFailure.of(PROVIDER, retryable, PROVIDER + " closed the stream (" + code + why + ")");
    }

    void sendAudio(ByteBuffer audio, Duration timeout) throws ProviderFailure.Exception {
        await(socket.sendBinary(audio, true), timeout);
    }

    void sendText(String json, Duration timeout) throws ProviderFailure.Exception {
        await(socket.sendText(json, true), timeout);
    }

    private static void await(java.util.concurrent.CompletableFuture<WebSocket> sent, Duration timeout) {
        try {
            sent.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new ProviderFailure.Exception(ProviderFailure.stalled(PROVIDER, timeout));
        } catch (ExecutionException e) {
            throw new ProviderFailure.Exception(ProviderFailure.ofIo(PROVIDER, e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderFailure.Exception(ProviderFailure.ofIo(PROVIDER, e));
        }
    }

    /** A polite close (the server may still send its last results, which nobody reads), cut after {@code grace}. */
    void close(Duration grace) {
        abandoned = true;
        WebSocket ws = socket;
        if (ws == null) {
            return;
        }
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").orTimeout(grace.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((w, e) -> ws.abort());
    }

    void abort() {
        abandoned = true;
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            String whole = text.toString();
            text.setLength(0);
            try {
                post.accept(new Signal.Received(this, DeepgramMessage.parse(whole)));
            } catch (IllegalArgumentException notJson) {
                post.accept(new Signal.Received(this, new DeepgramMessage.Other("unreadable")));
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        post.accept(new Signal.Lost(this, closed(statusCode, reason)));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        post.accept(new Signal.Lost(this, ProviderFailure.ofIo(PROVIDER, error)));
    }
}
