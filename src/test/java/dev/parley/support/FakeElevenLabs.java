package dev.parley.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import io.javalin.websocket.WsContext;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * ElevenLabs' stream-input WebSocket on 127.0.0.1, for tests and benchmarks:
 * {@code /v1/text-to-speech/{voice_id}/stream-input}. Point a voice at {@link #baseUrl()}.
 *
 * <p>What it does: every text flushed ({@code "flush": true}) or ended ({@code {"text": ""}}) is
 * spoken ({@link SynthesizedAudio#ulaw8k}, real speech) and streamed back as {@code {"audio": base64
 * μ-law, "alignment": {...}}} messages of {@link #chunk} audio each, the first after
 * {@link #firstAudioAfter}, the next ones paced at {@link #pace} times real time; the characters'
 * alignment is spread evenly over the audio, relative to each message as ElevenLabs does. After the
 * end of input it sends {@code {"isFinal": true}} and closes (1000).
 *
 * <p>What it records: each socket as a {@link Session}: voice id, query, {@code xi-api-key}, every
 * message received, how many audio messages went out, and how it closed.
 *
 * <p>Faults, for the sockets opened from then on: {@link #refuse} (the upgrade answered with an
 * HTTP status), {@link #stall} (text accepted, nothing ever answered), {@link #closeAfter} (a close
 * with a code and reason after some audio).
 */
public final class FakeElevenLabs implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Object END = new Object();

    /** One stream-input socket as the fake saw it. */
    public static final class Session {
        public final String voiceId;
        public final Map<String, List<String>> query;
        public final String apiKey;
        /** Every message received, in order (the first is the single-space initialization). */
        public final List<JsonNode> messages = new CopyOnWriteArrayList<>();
        private final AtomicInteger audioSent = new AtomicInteger();
        private final CompletableFuture<Integer> closed = new CompletableFuture<>();
        final LinkedBlockingQueue<Object> work = new LinkedBlockingQueue<>();

        Session(String voiceId, Map<String, List<String>> query, String apiKey) {
            this.voiceId = voiceId;
            this.query = query;
            this.apiKey = apiKey;
        }

        /** The texts received (without the initialization and the end of input). */
        public List<String> texts() {
            List<String> out = new ArrayList<>();
            for (JsonNode m : messages) {
                String t = m.path("text").asText("");
                if (!t.isBlank()) {
                    out.add(t);
                }
            }
            return out;
        }

        public String queryParam(String name) {
            List<String> v = query.get(name);
            return v == null || v.isEmpty() ? null : v.getFirst();
        }

        /** Audio messages sent so far. */
        public int audioSent() {
            return audioSent.get();
        }

        /** The close code once the socket closed, whoever closed it (1006: dropped without a close). */
        public CompletableFuture<Integer> closed() {
            return closed;
        }
    }

    private final Javalin app;
    private final List<Session> sessions = new CopyOnWriteArrayList<>();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile Duration firstAudioAfter = Duration.ZERO;
    private volatile double pace = 0;
    private volatile Duration chunk = Duration.ofMillis(100);
    private volatile int refuseStatus;
    private volatile boolean stall;
    private volatile int closeAfterChunks = -1;
    private volatile int closeCode;
    private volatile String closeReason;

    public FakeElevenLabs() {
        String path = "/v1/text-to-speech/{voice_id}/stream-input";
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.wsBeforeUpgrade(path, ctx -> {
                int status = refuseStatus;
                if (status != 0) {
                    refused.incrementAndGet();
                    throw new HttpResponseException(status, "refused by the test");
                }
            });
            config.routes.ws(path, ws -> {
                ws.onConnect(ctx -> {
                    Session s = new Session(ctx.pathParam("voice_id"), ctx.queryParamMap(), ctx.header("xi-api-key"));
                    ctx.attribute("session", s);
                    sessions.add(s);
                    ctx.session.setIdleTimeout(Duration.ofMinutes(5));
                    Thread.ofVirtual().name("fake-elevenlabs").start(() -> speak(ctx, s));
                });
                ws.onMessage(ctx -> {
                    Session s = ctx.attribute("session");
                    JsonNode m = JSON.readTree(ctx.message());
                    s.messages.add(m);
                    String text = m.path("text").asText("");
                    if (text.isEmpty()) {
                        s.work.add(END);
                    } else if (m.path("flush").asBoolean(false)) {
                        s.work.add(text);
                    } else if (!text.isBlank()) {
                        s.work.add(new StringBuilder(text)); // unflushed: spoken with the next flush or the end
                    }
                });
                ws.onClose(ctx -> {
                    Session s = ctx.attribute("session");
                    s.closed.complete(ctx.status());
                    s.work.add(END);
                });
            });
        }).start("127.0.0.1", 0);
    }

    /** {@code http://127.0.0.1:port}: scheme and host, as ElevenLabs' base_url is written. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + app.port());
    }

    /** Delay before a flushed text's first audio (generation latency). */
    public FakeElevenLabs firstAudioAfter(Duration d) {
        this.firstAudioAfter = d;
        return this;
    }

    /** Speed of the audio after the first message: 1 is real time, 0 (the default) as fast as it goes. */
    public FakeElevenLabs pace(double timesRealTime) {
        this.pace = timesRealTime;
        return this;
    }

    /** Audio per message (default 100 ms). */
    public FakeElevenLabs chunk(Duration d) {
        this.chunk = d;
        return this;
    }

    /** Upgrades are answered with this HTTP status (401, 404, 429, 503...); 0 accepts again. */
    public FakeElevenLabs refuse(int status) {
        this.refuseStatus = status;
        return this;
    }

    /** Texts are received but never answered, until {@code stall(false)}. */
    public FakeElevenLabs stall(boolean on) {
        this.stall = on;
        return this;
    }

    /** After {@code chunks} audio messages of an utterance, the socket is closed with this code and reason. */
    public FakeElevenLabs closeAfter(int chunks, int code, String reason) {
        this.closeAfterChunks = chunks;
        this.closeCode = code;
        this.closeReason = reason;
        return this;
    }

    public List<Session> sessions() {
        return List.copyOf(sessions);
    }

    /** The {@code index}-th socket opened, waiting for it to open. */
    public Session session(int index, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (sessions.size() <= index) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no stream-input socket #" + index + " within " + wait + " (" + sessions.size() + " opened)");
            }
            Thread.sleep(5);
        }
        return sessions.get(index);
    }

    /**
     * The socket that received {@code text} (as sent, e.g. with its trailing space), waiting for it.
     * A voice keeps one socket ready while another speaks, so the order sockets open in is not the
     * order they are used in.
     */
    public Session sessionReceiving(String text, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            for (Session s : sessions) {
                if (s.texts().contains(text)) {
                    return s;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no stream-input socket received the text within " + wait);
            }
            Thread.sleep(5);
        }
    }

    /** Upgrades refused so far. */
    public int refused() {
        return refused.get();
    }

    /** The audio this fake sends for {@code text}, for comparing with what a voice hands out. */
    public static byte[] audioFor(String text) {
        return SynthesizedAudio.ulaw8k(text);
    }

    private void speak(WsContext ctx, Session s) {
        StringBuilder unflushed = new StringBuilder();
        try {
            while (true) {
                Object w = s.work.poll(5, TimeUnit.MINUTES);
                if (w == null || s.closed.isDone()) {
                    return;
                }
                if (w instanceof StringBuilder part) {
                    unflushed.append(part);
                    continue;
                }
                String text = unflushed + (w == END ? "" : (String) w);
                unflushed.setLength(0);
                if (!text.isBlank() && !stream(ctx, s, text)) {
                    return;
                }
                if (w == END) {
                    if (!stall) {
                        ctx.send("{\"isFinal\":true}");
                        ctx.closeSession(1000, "");
                    }
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // the client went away mid-send: that is what barge-in tests do
        }
    }

    /** Streams one text's audio; false when the socket closed (or was closed as scripted). */
    private boolean stream(WsContext ctx, Session s, String text) throws InterruptedException {
        if (stall) {
            s.closed.join();
            return false;
        }
        byte[] audio = audioFor(text);
        int per = (int) (chunk.toMillis() * 8);
        double msPerChar = audio.length / 8.0 / text.length();
        Thread.sleep(firstAudioAfter);
        int sent = 0;
        for (int from = 0; from < audio.length; from += per) {
            if (s.closed.isDone()) {
                return false;
            }
            if (closeAfterChunks >= 0 && sent == closeAfterChunks) {
                ctx.closeSession(closeCode, closeReason);
                return false;
            }
            int to = Math.min(audio.length, from + per);
            ObjectNode m = JSON.createObjectNode();
            m.put("audio", Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(audio, from, to)));
            m.putNull("isFinal");
            m.set("alignment", alignment(text, msPerChar, from / 8.0, to / 8.0));
            ctx.send(m.toString());
            s.audioSent.incrementAndGet();
            sent++;
            if (pace > 0 && to < audio.length) {
                Thread.sleep((long) ((to - from) / 8.0 / pace));
            }
        }
        return true;
    }

    /** The characters whose evenly spread start falls in [fromMs, toMs), timed from fromMs. */
    private static JsonNode alignment(String text, double msPerChar, double fromMs, double toMs) {
        ObjectNode a = JSON.createObjectNode();
        ArrayNode chars = a.putArray("chars");
        ArrayNode starts = a.putArray("charStartTimesMs");
        ArrayNode durations = a.putArray("charDurationsMs");
        for (int i = 0; i < text.length(); i++) {
            double at = i * msPerChar;
            if (at >= fromMs && at < toMs) {
                chars.add(String.valueOf(text.charAt(i)));
                starts.add((int) Math.round(at - fromMs));
                durations.add((int) Math.round(msPerChar));
            }
        }
        return a;
    }

    @Override
    public void close() {
        app.stop();
    }
}
