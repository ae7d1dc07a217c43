package dev.parley.ai.elevenlabs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.ai.ProviderFailure;
import dev.parley.ai.StreamedSpeech;
import dev.parley.ai.Usage;
import dev.parley.media.G711;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * One stream-input WebSocket, which carries one utterance: opened (and initialized with the
 * protocol's single-space first message) ahead of time, then given one text, flushed and ended;
 * the server answers with base64 μ-law audio and character alignment, then {@code isFinal} and a
 * close. Closing the utterance aborts the socket, which is what stops ElevenLabs generating; since
 * the next utterance has a socket of its own, late audio of a cut one can never play in it.
 */
final class StreamInput {
    static final String PROVIDER = "elevenlabs";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INIT = "{\"text\":\" \"}";
    private static final String END_OF_INPUT = "{\"text\":\"\"}";

    private final long openedNanos = System.nanoTime();
    private final CompletableFuture<WebSocket> opening;
    private final CompletableFuture<WebSocket> ready;
    private final WordTimings timings = new WordTimings();
    private final StringBuilder message = new StringBuilder();
    private StreamedSpeech speech;  // guarded by this
    private boolean closed;         // guarded by this
    private ProviderFailure closedWith; // guarded by this: why it closed before an utterance was given
    private long samples;           // audio received, for word offsets; listener thread only

    private StreamInput(HttpClient http, URI uri, Optional<String> key, Duration connectTimeout) {
        WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(connectTimeout);
        key.ifPresent(k -> b.header("xi-api-key", k));
        this.opening = b.buildAsync(uri, new Listener());
        opening.thenAccept(ws -> {
            if (closed()) {
                ws.abort(); // aborted while the handshake was under way
            }
        });
        this.ready = opening.thenCompose(ws -> ws.sendText(INIT, true));
        ready.whenComplete((ws, e) -> {
            if (e != null) {
                closedBy(failure(e));
            }
        });
    }

    static StreamInput open(HttpClient http, URI uri, Optional<String> key, Duration connectTimeout) {
        return new StreamInput(http, uri, key, connectTimeout);
    }

    /** Closed by the server (an idle socket times out), failed, or aborted: not usable for a new utterance. */
    synchronized boolean usable(Duration maxAge) {
        return !closed && speech == null && System.nanoTime() - openedNanos < maxAge.toNanos()
                && !ready.isCompletedExceptionally();
    }

    /** Runs once the socket is open and initialized (never, if it fails). */
    void whenReady(Runnable r) {
        ready.thenRun(r);
    }

    synchronized boolean closed() {
        return closed;
    }

    /** Sends {@code text} once the socket is open, and hands its audio to {@code into}. */
    void speak(String text, StreamedSpeech into, Usage usage) {
        synchronized (this) {
            speech = into;
            if (closed) {
                into.fail(closedWith != null ? closedWith
                        : ProviderFailure.of(PROVIDER, true, PROVIDER + " closed the connection before the text was sent"));
                return;
            }
        }
        into.onCancel(this::abort);
        String chunk;
        try {
            chunk = JSON.writeValueAsString(JSON.createObjectNode().put("text", text + " ").put("flush", true));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        ready.thenCompose(ws -> ws.sendText(chunk, true))
                .thenApply(ws -> {
                    into.textSent();
                    usage.ttsText(text.length());
                    return ws;
                })
                .thenCompose(ws -> ws.sendText(END_OF_INPUT, true))
                .whenComplete((ws, e) -> {
                    if (e != null) {
                        into.fail(failure(e));
                    }
                });
    }

    /** Drops the connection at once (no closing handshake to wait for): the server stops generating. */
    void abort() {
        synchronized (this) {
            closed = true;
        }
        if (opening.isDone() && !opening.isCompletedExceptionally()) {
            opening.join().abort();
        }
    }

    private void closedBy(ProviderFailure why) {
        StreamedSpeech s;
        synchronized (this) {
            if (!closed && speech == null) {
                closedWith = why;
            }
            closed = true;
            s = speech;
        }
        if (s != null) {
            s.fail(why); // no effect once the utterance ended or was closed
        }
    }

    private synchronized StreamedSpeech speech() {
        return speech;
    }

    private void received(String text) {
        JsonNode m;
        try {
            m = JSON.readTree(text);
        } catch (java.io.IOException e) {
            closedBy(ProviderFailure.of(PROVIDER, true, PROVIDER + " sent a message that is not JSON"));
            abort();
            return;
        }
        StreamedSpeech s = speech();
        if (s == null) {
            return; // nothing asked yet: an idle socket has nothing to say
        }
        if (m.hasNonNull("error")) {
            // Its error codes are short identifiers (quota_exceeded, ...), never our text or key.
            s.fail(ProviderFailure.of(PROVIDER, false, PROVIDER + " reported an error: " + clip(m.get("error").asText())));
            abort();
            return;
        }
        String audio = m.path("audio").asText("");
        if (!audio.isEmpty()) {
            byte[] ulaw = Base64.getDecoder().decode(audio);
            short[] pcm = new short[ulaw.length];
            for (int i = 0; i < ulaw.length; i++) {
                pcm[i] = G711.decodeUlaw(ulaw[i]);
            }
            JsonNode alignment = m.hasNonNull("alignment") ? m.get("alignment") : m.path("normalizedAlignment");
            if (alignment.isObject()) {
                timings.add(alignment, (int) (samples / 8));
                s.words(timings.complete());
            }
            samples += pcm.length;
            s.audio(pcm);
        }
        if (m.path("isFinal").asBoolean(false)) {
            s.words(timings.finish());
            s.end();
        }
    }

    /** A close before {@code isFinal}: 1008 (policy: key, quota, parameters) and malformed-data codes will not get better by retrying. */
    private static ProviderFailure closeFailure(int code, String reason) {
        boolean retryable = code != 1002 && code != 1003 && code != 1007 && code != 1008;
        return ProviderFailure.of(PROVIDER, retryable, PROVIDER + " closed the stream (" + code
                + (reason == null || reason.isBlank() ? "" : " " + clip(reason)) + ")");
    }

    static ProviderFailure failure(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof WebSocketHandshakeException h) {
            var r = h.getResponse();
            return ProviderFailure.ofStatus(PROVIDER, r.statusCode(), r.headers().firstValue("retry-after").orElse(null), Instant.now());
        }
        return ProviderFailure.ofIo(PROVIDER, t);
    }

    private static String clip(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120);
    }

    private final class Listener implements WebSocket.Listener {
        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            message.append(data);
            if (last) {
                String text = message.toString();
                message.setLength(0);
                received(text);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            ws.request(1); // not part of the protocol; ignored
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            closedBy(closeFailure(code, reason)); // after isFinal the utterance has ended and this changes nothing
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closedBy(ProviderFailure.ofIo(PROVIDER, error));
        }
    }
}
