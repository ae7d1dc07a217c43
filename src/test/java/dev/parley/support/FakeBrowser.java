package dev.parley.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A web call's browser, as the dashboard's page behaves, over a real WebSocket (the JDK's client):
 * it connects to the call's {@code websocket_url}, sends {@code start} with the token, then every
 * 20 ms one frame of the caller's audio (binary, 16-bit little-endian PCM at 8 kHz: speech given by
 * the test, else silence) and plays one frame of what Parley sent from its queue, echoing each mark
 * once the audio before it has played; {@code clear} drops the queue. It records what it heard, a
 * frame per 20 ms, and the live transcript. Time runs in real time once {@link #run} is called.
 */
public final class FakeBrowser implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FRAME = 160;

    private final WebSocket socket;
    private final CompletableFuture<Integer> closed;
    private final CompletableFuture<String> closeReason;
    private final ArrayDeque<Object> playout = new ArrayDeque<>(); // short[] frames and String marks, in order
    private final ByteArrayOutputStream heard = new ByteArrayOutputStream();
    private final List<JsonNode> texts = new CopyOnWriteArrayList<>();
    private final long openedNanos;
    private volatile long startedNanos;
    private volatile long firstAudibleNanos;
    private CompletableFuture<WebSocket> sending;
    private short[] speech = new short[0];
    private int spoken;
    private int audibleHeard;
    private ScheduledExecutorService clock;

    private FakeBrowser(WebSocket socket, CompletableFuture<Integer> closed, CompletableFuture<String> closeReason, long openedNanos) {
        this.socket = socket;
        this.closed = closed;
        this.closeReason = closeReason;
        this.openedNanos = openedNanos;
        this.sending = CompletableFuture.completedFuture(socket);
    }

    /** Opens the socket and sends {@code start} with {@code token} (null: none). */
    public static FakeBrowser join(URI url, String token) {
        return connect(url, token, "pcm16");
    }

    public static FakeBrowser connect(URI url, String token, String encoding) {
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        CompletableFuture<String> reason = new CompletableFuture<>();
        Listener listener = new Listener(closed, reason);
        long opened = System.nanoTime();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(url, listener).join();
        FakeBrowser b = new FakeBrowser(ws, closed, reason, opened);
        listener.browser = b;
        String params = token == null ? "{}" : "{\"token\":\"" + token + "\"}";
        b.text("{\"event\":\"start\",\"start\":{\"custom_parameters\":" + params
                + ",\"media_format\":{\"encoding\":\"" + encoding + "\",\"sample_rate\":8000}}}");
        return b;
    }

    /** What the caller says from now on (after what is still queued). */
    public synchronized FakeBrowser say(short[] pcm) {
        short[] rest = java.util.Arrays.copyOfRange(speech, spoken, speech.length);
        speech = new short[rest.length + pcm.length];
        System.arraycopy(rest, 0, speech, 0, rest.length);
        System.arraycopy(pcm, 0, speech, rest.length, pcm.length);
        spoken = 0;
        return this;
    }

    /** Ticks every 20 ms from now on: a frame out, a frame played. */
    public FakeBrowser run() {
        clock = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("fake-browser").factory());
        clock.scheduleAtFixedRate(this::tick, 0, 20, TimeUnit.MILLISECONDS);
        return this;
    }

    private void tick() {
        short[] out = new short[FRAME];
        synchronized (this) {
            int n = Math.min(FRAME, speech.length - spoken);
            if (n > 0) {
                System.arraycopy(speech, spoken, out, 0, n);
                spoken += n;
            }
            short[] played = null;
            while (!playout.isEmpty() && played == null) {
                Object next = playout.poll();
                if (next instanceof String mark) {
                    text("{\"event\":\"mark\",\"mark\":{\"name\":\"" + mark + "\"}}");
                } else {
                    played = (short[]) next;
                }
            }
            short[] frame = played == null ? new short[FRAME] : played;
            boolean audible = false;
            for (short s : frame) {
                heard.write(s & 0xff);
                heard.write((s >> 8) & 0xff);
                audible |= Math.abs(s) > 300;
            }
            if (audible) {
                audibleHeard++;
                if (firstAudibleNanos == 0) {
                    firstAudibleNanos = System.nanoTime();
                }
            }
        }
        if (!closed.isDone()) {
            ByteBuffer b = ByteBuffer.allocate(FRAME * 2).order(ByteOrder.LITTLE_ENDIAN);
            for (short s : out) {
                b.putShort(s);
            }
            binary(b.flip());
        }
    }

    /** Sends are chained: the JDK's WebSocket takes one at a time. */
    public synchronized void text(String message) {
        sending = sending.thenCompose(ws -> ws.sendText(message, true)).exceptionally(e -> socket);
    }

    private synchronized void binary(ByteBuffer frame) {
        sending = sending.thenCompose(ws -> ws.sendBinary(frame, true)).exceptionally(e -> socket);
    }

    /** The caller hangs up the way the page's button does. */
    public void stop() {
        text("{\"event\":\"stop\"}");
    }

    private synchronized void received(short[] frame) {
        playout.add(frame);
    }

    private synchronized void receivedText(JsonNode m) {
        texts.add(m);
        switch (m.path("event").asText()) {
            case "started" -> startedNanos = System.nanoTime();
            case "mark" -> playout.add(m.path("mark").path("name").asText());
            case "clear" -> playout.clear();
            default -> { }
        }
    }

    public boolean started() {
        return startedNanos != 0;
    }

    /** From opening the socket to the first audible frame played, in ms; -1 before one. */
    public long firstAudioMs() {
        return firstAudibleNanos == 0 ? -1 : (firstAudibleNanos - openedNanos) / 1_000_000;
    }

    public int audibleFramesHeard() {
        return audibleHeard;
    }

    /** The JSON messages Parley sent, of {@code event}. */
    public List<JsonNode> messages(String event) {
        return texts.stream().filter(m -> m.path("event").asText().equals(event)).toList();
    }

    /** The close code, waiting up to {@code bound} for the close. */
    public int closeCode(Duration bound) throws Exception {
        return closed.get(bound.toMillis(), TimeUnit.MILLISECONDS);
    }

    public String closeReason() {
        return closeReason.getNow(null);
    }

    public boolean isClosed() {
        return closed.isDone();
    }


    @Override
    public void close() {
        if (clock != null) {
            clock.shutdownNow();
        }
        if (!closed.isDone()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
            socket.abort();
        }
    }

    private static final class Listener implements WebSocket.Listener {
        private final CompletableFuture<Integer> closed;
        private final CompletableFuture<String> reason;
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        volatile FakeBrowser browser;

        Listener(CompletableFuture<Integer> closed, CompletableFuture<String> reason) {
            this.closed = closed;
            this.reason = reason;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                try {
                    awaitBrowser().receivedText(JSON.readTree(text.toString()));
                } catch (Exception e) {
                    throw new AssertionError("Parley sent text that is not JSON: " + text, e);
                }
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            bytes.writeBytes(b);
            if (last) {
                byte[] all = bytes.toByteArray();
                bytes.reset();
                if (all.length != FRAME * 2) {
                    throw new AssertionError("a frame of Parley's audio is " + all.length + " bytes, not 320");
                }
                ByteBuffer le = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
                short[] frame = new short[FRAME];
                for (int i = 0; i < FRAME; i++) {
                    frame[i] = le.getShort();
                }
                awaitBrowser().received(frame);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String why) {
            reason.complete(why);
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            reason.complete(String.valueOf(error));
            closed.complete(-1);
        }

        /** Messages can come before buildAsync's future hands the socket to the test: wait for the browser object. */
        private FakeBrowser awaitBrowser() {
            while (browser == null) {
                Thread.onSpinWait();
            }
            return browser;
        }
    }
}
