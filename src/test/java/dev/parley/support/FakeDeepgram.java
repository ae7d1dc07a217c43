package dev.parley.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.media.G711;
import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import io.javalin.websocket.WsContext;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Deepgram's live transcription on 127.0.0.1, speaking its documented protocol: a WebSocket at
 * {@code /v1/listen}, binary audio in ({@code encoding} {@code linear16} or {@code mulaw}, 8 kHz
 * mono), JSON text out. Use {@link #baseUrl()} as the provider's {@code base_url}.
 *
 * <p><b>What it hears.</b> It recognizes nothing: it finds speech in the audio it receives by
 * energy (a 20 ms frame louder than {@link #speechRms} RMS is voiced) and answers on a timeline
 * driven by that audio alone (not the wall clock), so a test may send audio as fast as it likes:
 * {@code SpeechStarted} at the onset (with {@code vad_events=true}); an interim {@code Results}
 * every 400 ms of speech (with {@code interim_results=true}) holding the first words of the
 * utterance's transcript; an {@code is_final} + {@code speech_final} {@code Results} after
 * {@code endpointing} ms of silence, with the next text of {@link #transcripts}; {@code UtteranceEnd}
 * {@code utterance_end_ms} after the last word; and, while nobody speaks, an empty final result
 * for every 3 s of silence, as the real service does. Timestamps ({@code start}, {@code duration})
 * count from the connection's first byte of audio.
 *
 * <p><b>Control messages.</b> {@code Finalize} answers at once with a {@code from_finalize} final
 * result (the pending utterance's transcript, or empty); {@code KeepAlive} is recorded;
 * {@code CloseStream} sends the pending final, {@code Metadata}, and closes (1000).
 *
 * <p><b>Faults</b>, per connection in the order they come ({@link #faults}): refuse the upgrade with
 * an HTTP status, close the stream with 1011 once some audio arrived, or stall (answer nothing more).
 * Every connection is recorded ({@link Connection}): its query, {@code Authorization} header,
 * audio and control messages.
 */
public final class FakeDeepgram implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FRAME_MS = 20;
    private static final int INTERIM_EVERY_MS = 400;
    private static final int SILENCE_FINAL_MS = 3000;

    /** How one connection misbehaves. */
    public sealed interface Fault {
        record None() implements Fault {}

        /** The upgrade is answered with this HTTP status ({@code retryAfter} may be null). */
        record Refuse(int status, String retryAfter) implements Fault {}

        /** The stream is closed with 1011 once this much audio arrived. */
        record DropAfter(Duration audio) implements Fault {}

        /** Nothing more is sent (nor closed) once this much audio arrived. */
        record StallAfter(Duration audio) implements Fault {}

        static Fault none() {
            return new None();
        }

        static Fault refuse(int status) {
            return new Refuse(status, null);
        }

        static Fault dropAfter(Duration audio) {
            return new DropAfter(audio);
        }

        static Fault stallAfter(Duration audio) {
            return new StallAfter(audio);
        }
    }

    /** One stream as the fake saw it. Thread-safe. */
    public static final class Connection {
        private final Map<String, List<String>> query;
        private final String authorization;
        private final Fault fault;
        private final ByteArrayOutputStream audio = new ByteArrayOutputStream();
        private final List<String> controls = new ArrayList<>();
        private final List<String> sent = new ArrayList<>();
        private volatile boolean closed;
        // The timeline, driven by the audio received.
        private final byte[] carry;
        private int carried;
        private long audioMs;
        private boolean pending;
        private String transcript; // what the pending utterance will be, for its interims
        private long lastVoicedEndMs;
        private long segmentStartMs;
        private long lastInterimMs;
        private int interims;
        private long lastWordEndMs = -1;
        private boolean stalled;

        Connection(Map<String, List<String>> query, String authorization, Fault fault) {
            this.query = query;
            this.authorization = authorization;
            this.fault = fault;
            this.carry = new byte[FRAME_MS * 8 * bytesPerSample()];
        }

        /** The first value of a query parameter, or null. */
        public String query(String name) {
            List<String> v = query.get(name);
            return v == null || v.isEmpty() ? null : v.getFirst();
        }

        public Map<String, List<String>> query() {
            return query;
        }

        /** The {@code Authorization} header as received, or null. */
        public String authorization() {
            return authorization;
        }

        public synchronized byte[] audio() {
            return audio.toByteArray();
        }

        /** Milliseconds of audio received. */
        public synchronized long audioMs() {
            return audioMs;
        }

        /** The {@code type}s of the text messages received, in order ({@code KeepAlive}, {@code Finalize}, ...). */
        public synchronized List<String> controls() {
            return List.copyOf(controls);
        }

        /** The JSON messages sent to the client, in order. */
        public synchronized List<String> sent() {
            return List.copyOf(sent);
        }

        public boolean closed() {
            return closed;
        }

        private int bytesPerSample() {
            return "mulaw".equals(query("encoding")) ? 1 : 2;
        }

        private int param(String name, int otherwise) {
            String v = query(name);
            return v == null ? otherwise : Integer.parseInt(v);
        }

        private boolean flag(String name) {
            return "true".equals(query(name));
        }
    }

    private final Javalin server;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final AtomicInteger upgrades = new AtomicInteger();
    private final ArrayDeque<String> transcripts = new ArrayDeque<>();
    private volatile List<Fault> faults = List.of();
    private volatile double speechRms = 300;

    public FakeDeepgram() {
        server = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.wsBeforeUpgrade("/v1/listen", ctx -> {
                int n = upgrades.getAndIncrement();
                Fault f = n < faults.size() ? faults.get(n) : Fault.none();
                if (f instanceof Fault.Refuse r) {
                    if (r.retryAfter() != null) {
                        ctx.header("Retry-After", r.retryAfter());
                    }
                    throw new HttpResponseException(r.status(), "refused by the fake");
                }
                ctx.attribute("fault", f);
            });
            config.routes.ws("/v1/listen", ws -> {
                ws.onConnect(ctx -> {
                    Fault f = ctx.attribute("fault");
                    Connection c = new Connection(Map.copyOf(ctx.queryParamMap()), ctx.header("Authorization"),
                            f == null ? Fault.none() : f);
                    ctx.attribute("connection", c);
                    connections.add(c);
                });
                ws.onBinaryMessage(ctx -> audio(ctx, ctx.attribute("connection"), ctx.data()));
                ws.onMessage(ctx -> control(ctx, ctx.attribute("connection"), ctx.message()));
                ws.onClose(ctx -> {
                    Connection c = ctx.attribute("connection");
                    if (c != null) {
                        c.closed = true;
                    }
                });
            });
        }).start("127.0.0.1", 0);
    }

    /** {@code http://127.0.0.1:port}: the provider's {@code base_url}, as scheme and host. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    /** What the successive utterances (across connections) are recognized as; once used up, "". */
    public FakeDeepgram transcripts(String... texts) {
        synchronized (transcripts) {
            transcripts.addAll(Arrays.asList(texts));
        }
        return this;
    }

    /** How the next connections misbehave, the first attempt first; later ones behave. */
    public FakeDeepgram faults(Fault... perConnection) {
        faults = List.of(perConnection);
        upgrades.set(0);
        return this;
    }

    /** The RMS of a 20 ms frame above which it counts as speech (300 unless set). */
    public FakeDeepgram speechRms(double rms) {
        speechRms = rms;
        return this;
    }

    /** Upgrade requests so far, refused ones included. */
    public int upgrades() {
        return upgrades.get();
    }

    public List<Connection> connections() {
        return List.copyOf(connections);
    }

    /** The {@code index}th accepted connection, waiting up to {@code timeout} for it. */
    public Connection connection(int index, Duration timeout) throws InterruptedException {
        await(() -> connections.size() > index, timeout, "connection " + index);
        return connections.get(index);
    }

    /** Waits until {@code condition} holds, failing with {@code what} after {@code timeout}. */
    public static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        Await.until(what, timeout, condition);
    }

    private void audio(WsContext ctx, Connection c, ByteBuffer data) {
        synchronized (c) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            c.audio.writeBytes(bytes);
            for (byte b : bytes) {
                c.carry[c.carried++] = b;
                if (c.carried == c.carry.length) {
                    c.carried = 0;
                    frame(ctx, c, rms(c, c.carry));
                    if (c.closed) {
                        return;
                    }
                }
            }
        }
    }

    private void frame(WsContext ctx, Connection c, double rms) {
        long from = c.audioMs;
        long to = from + FRAME_MS;
        c.audioMs = to;
        switch (c.fault) {
            case Fault.DropAfter d when to >= d.audio().toMillis() -> {
                c.closed = true;
                ctx.closeSession(1011, "fake drop");
                return;
            }
            case Fault.StallAfter s when to >= s.audio().toMillis() -> c.stalled = true;
            default -> { }
        }
        if (rms > speechRms) {
            if (!c.pending) {
                c.pending = true;
                c.transcript = peekTranscript(); // taken by its final: a dropped stream leaves it to the next
                c.interims = 0;
                c.lastInterimMs = from;
                if (c.flag("vad_events")) {
                    send(ctx, c, json("SpeechStarted").put("timestamp", from / 1000.0));
                }
            }
            c.lastVoicedEndMs = to;
            if (c.flag("interim_results") && to - c.lastInterimMs >= INTERIM_EVERY_MS) {
                c.lastInterimMs = to;
                String[] words = c.transcript.split(" ");
                String partial = String.join(" ", Arrays.copyOf(words, Math.min(++c.interims, words.length)));
                send(ctx, c, results(c, partial, false, false, false));
            }
        } else if (c.pending && to - c.lastVoicedEndMs >= c.param("endpointing", 10)) {
            finalResult(ctx, c, true, false);
        } else if (!c.pending) {
            if (c.lastWordEndMs >= 0 && to - c.lastWordEndMs >= c.param("utterance_end_ms", 1000)) {
                send(ctx, c, json("UtteranceEnd").put("last_word_end", c.lastWordEndMs / 1000.0));
                c.lastWordEndMs = -1;
            }
            if (to - c.segmentStartMs >= SILENCE_FINAL_MS) {
                send(ctx, c, results(c, "", true, false, false));
                c.segmentStartMs = to;
            }
        }
    }

    private void finalResult(WsContext ctx, Connection c, boolean speechFinal, boolean fromFinalize) {
        String text = c.pending ? nextTranscript() : "";
        send(ctx, c, results(c, text, true, speechFinal, fromFinalize));
        c.segmentStartMs = c.audioMs;
        if (c.pending && !text.isEmpty()) {
            c.lastWordEndMs = c.lastVoicedEndMs;
        }
        c.pending = false;
    }

    private void control(WsContext ctx, Connection c, String message) {
        synchronized (c) {
            String type;
            try {
                type = JSON.readTree(message).path("type").asText("");
            } catch (java.io.IOException e) {
                type = "unreadable";
            }
            c.controls.add(type);
            switch (type) {
                case "Finalize" -> finalResult(ctx, c, false, true);
                case "CloseStream" -> {
                    if (c.stalled) {
                        return;
                    }
                    if (c.pending) {
                        finalResult(ctx, c, false, false);
                    }
                    send(ctx, c, json("Metadata").put("request_id", "fake-" + connections.indexOf(c))
                            .put("duration", c.audioMs / 1000.0).put("channels", 1));
                    c.closed = true;
                    ctx.closeSession(1000, "");
                }
                default -> { }
            }
        }
    }

    private String peekTranscript() {
        synchronized (transcripts) {
            String t = transcripts.peekFirst();
            return t == null ? "" : t;
        }
    }

    private String nextTranscript() {
        synchronized (transcripts) {
            String t = transcripts.pollFirst();
            return t == null ? "" : t;
        }
    }

    private static ObjectNode json(String type) {
        return JSON.createObjectNode().put("type", type);
    }

    private static ObjectNode results(Connection c, String transcript, boolean isFinal, boolean speechFinal,
                                      boolean fromFinalize) {
        ObjectNode r = json("Results");
        r.putObject("channel").putArray("alternatives").addObject().put("transcript", transcript)
                .put("confidence", transcript.isEmpty() ? 0 : 0.98);
        r.put("is_final", isFinal).put("speech_final", speechFinal).put("from_finalize", fromFinalize)
                .put("start", c.segmentStartMs / 1000.0).put("duration", (c.audioMs - c.segmentStartMs) / 1000.0);
        return r;
    }

    private static void send(WsContext ctx, Connection c, ObjectNode message) {
        if (c.stalled || c.closed) {
            return;
        }
        String text = message.toString();
        c.sent.add(text);
        ctx.send(text);
    }

    private static double rms(Connection c, byte[] frame) {
        boolean mulaw = c.bytesPerSample() == 1;
        int n = mulaw ? frame.length : frame.length / 2;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            int s = mulaw ? G711.decodeUlaw(frame[i]) : (short) ((frame[2 * i] & 0xff) | (frame[2 * i + 1] << 8));
            sum += (double) s * s;
        }
        return Math.sqrt(sum / n);
    }

    @Override
    public void close() {
        server.stop();
    }
}
