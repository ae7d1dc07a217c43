package dev.parley.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.media.G711;
import dev.parley.telephony.twilio.TwilioSignature;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * A carrier's end of a media stream, as Twilio (or Telnyx) behaves: it connects to the URL Parley
 * gave it (Twilio: with {@code X-Twilio-Signature} over that URL), sends {@code connected} and
 * {@code start}, then the callee's audio as 20 ms {@code media} messages; it plays what Parley sends
 * in real time from a buffer, echoes each {@code mark} once the audio before it has played, and on
 * {@code clear} drops the audio it holds and echoes the marks of that audio at once. It records what
 * the callee heard, a frame per 20 ms (silence when nothing was queued).
 *
 * <p>Time is the test's: {@link #step()} is one 20 ms tick (a frame of the callee's audio out, a
 * frame of Parley's played). {@link #runInRealTime()} ticks on a 20 ms schedule for whole calls.
 * The Telnyx variant sends its media in shuffled order within windows of a few frames, as Telnyx's
 * frames may arrive.
 */
public final class FakeCarrierStream implements AutoCloseable {
    public enum Carrier { TWILIO, TELNYX }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FRAME = 160;
    private static final short[] SILENCE = new short[FRAME];

    private final Carrier carrier;
    private final WebSocket socket;
    private final CompletableFuture<Integer> closed;
    private final ArrayDeque<Object> playout = new ArrayDeque<>(); // short[] frames and String marks, in order
    private final ByteArrayOutputStream heard = new ByteArrayOutputStream();
    private final List<String> echoed = new CopyOnWriteArrayList<>();
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger clears = new AtomicInteger();
    private final String streamId = "MZ" + Long.toHexString(System.nanoTime());
    private final Random shuffle = new Random(12);
    private final List<String> window = new ArrayList<>();
    private int shuffleWindow;
    private int sequence;
    private int chunk;
    private int audibleHeard;
    private boolean lastAudible;
    private short[] speech = new short[0];
    private int spoken;
    private ScheduledExecutorService clock;

    private FakeCarrierStream(Carrier carrier, WebSocket socket, CompletableFuture<Integer> closed) {
        this.carrier = carrier;
        this.socket = socket;
        this.closed = closed;
    }

    /** Connects as Twilio does, signing the URL with {@code authToken}. */
    public static FakeCarrierStream twilio(URI url, String authToken) {
        return connect(Carrier.TWILIO, url, TwilioSignature.sign(authToken, url.toString(), Map.of()));
    }

    /** Connects as Telnyx does: the token is in the URL, nothing is signed. */
    public static FakeCarrierStream telnyx(URI url) {
        return connect(Carrier.TELNYX, url, null);
    }

    public static FakeCarrierStream connect(Carrier carrier, URI url, String signature) {
        var closed = new CompletableFuture<Integer>();
        Holder holder = new Holder();
        var builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (signature != null) {
            builder.header("X-Twilio-Signature", signature);
        }
        WebSocket ws = builder.buildAsync(url, new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    String text = partial.toString();
                    partial.setLength(0);
                    holder.await().receive(text);
                }
                webSocket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                closed.complete(statusCode);
                return null;
            }

            @Override
            public void onError(WebSocket webSocket, Throwable error) {
                closed.complete(-1);
            }
        }).join();
        FakeCarrierStream stream = new FakeCarrierStream(carrier, ws, closed);
        holder.set(stream);
        return stream;
    }

    /** The listener may hear Parley before {@code connect} returned the stream. */
    private static final class Holder {
        private final CompletableFuture<FakeCarrierStream> stream = new CompletableFuture<>();

        void set(FakeCarrierStream s) {
            stream.complete(s);
        }

        FakeCarrierStream await() {
            return stream.join();
        }
    }

    /** Sends media in shuffled order within windows of {@code frames} (Telnyx's out-of-order delivery). */
    public FakeCarrierStream shuffled(int frames) {
        this.shuffleWindow = frames;
        return this;
    }

    /** {@code connected} then {@code start} with these custom parameters, μ-law 8 kHz. */
    public FakeCarrierStream start(Map<String, String> parameters) {
        return start(parameters, carrier == Carrier.TWILIO ? "audio/x-mulaw" : "PCMU");
    }

    public FakeCarrierStream start(Map<String, String> parameters, String encoding) {
        boolean twilio = carrier == Carrier.TWILIO;
        ObjectNode connected = JSON.createObjectNode().put("event", "connected").put("version", "1.0.0");
        if (twilio) {
            connected.put("protocol", "Call");
        }
        send(connected);
        ObjectNode start = message("start");
        ObjectNode body = start.putObject("start");
        if (twilio) {
            body.put("accountSid", "AC0000").put("streamSid", streamId).put("callSid", "CA0000");
            body.putArray("tracks").add("inbound");
        } else {
            body.put("call_control_id", "v3:0000").put("call_session_id", "0000");
        }
        ObjectNode params = body.putObject(twilio ? "customParameters" : "custom_parameters");
        parameters.forEach(params::put);
        body.putObject(twilio ? "mediaFormat" : "media_format").put("encoding", encoding)
                .put(twilio ? "sampleRate" : "sample_rate", 8000).put("channels", 1);
        send(start);
        return this;
    }

    /** One 20 ms frame of the callee's audio. */
    public void media(short[] frame) {
        byte[] ulaw = new byte[FRAME];
        for (int i = 0; i < FRAME; i++) {
            ulaw[i] = G711.encodeUlaw(i < frame.length ? frame[i] : 0);
        }
        chunk++;
        ObjectNode m = message("media");
        m.putObject("media").put("track", "inbound").put("chunk", Integer.toString(chunk))
                .put("timestamp", Integer.toString((chunk - 1) * 20)).put("payload", Base64.getEncoder().encodeToString(ulaw));
        String text = m.toString();
        if (shuffleWindow <= 1) {
            sendText(text);
            return;
        }
        window.add(text);
        if (window.size() == shuffleWindow) {
            flush();
        }
    }

    /** Sends what a shuffling window holds. */
    public void flush() {
        Collections.shuffle(window, shuffle);
        window.forEach(this::sendText);
        window.clear();
    }

    public void dtmf(char digit) {
        ObjectNode m = message("dtmf");
        m.putObject("dtmf").put("track", "inbound_track").put("digit", String.valueOf(digit));
        send(m);
    }

    public void stop() {
        ObjectNode m = message("stop");
        m.putObject("stop").put(carrier == Carrier.TWILIO ? "callSid" : "call_control_id", "CA0000");
        send(m);
    }

    /** Sends any text, as a carrier that breaks the protocol would. */
    public void raw(String text) {
        sendText(text);
    }

    private ObjectNode message(String event) {
        ObjectNode m = JSON.createObjectNode().put("event", event);
        sequence++;
        if (carrier == Carrier.TWILIO) {
            m.put("sequenceNumber", Integer.toString(sequence)).put("streamSid", streamId);
        } else {
            m.put("sequence_number", Integer.toString(sequence)).put("stream_id", streamId);
        }
        return m;
    }

    private void send(ObjectNode m) {
        sendText(m.toString());
    }

    private synchronized void sendText(String text) {
        if (!closed.isDone()) {
            socket.sendText(text, true).join();
        }
    }

    /** What the callee says from now on, a frame per tick, silence after it. */
    public synchronized void say(short[] audio) {
        speech = audio;
        spoken = 0;
    }

    /** One 20 ms tick: a frame of the callee's audio out (silence when it says nothing), a frame of Parley's played. */
    public void step() {
        short[] frame;
        synchronized (this) {
            if (spoken < speech.length) {
                frame = java.util.Arrays.copyOfRange(speech, spoken, spoken + FRAME);
                spoken += FRAME;
            } else {
                frame = SILENCE;
            }
        }
        media(frame);
        play();
    }

    /** Ticks every 20 ms on a clock of its own until closed. */
    public FakeCarrierStream runInRealTime() {
        clock = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("fake-carrier").unstarted(r));
        clock.scheduleAtFixedRate(() -> {
            try {
                step();
            } catch (RuntimeException e) {
                // the socket closed under the tick: the call is over
            }
        }, 0, 20, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Plays one frame of what Parley sent (silence when nothing is queued), then echoes the marks now reached. */
    public synchronized void play() {
        echoReachedMarks();
        Object next = playout.poll();
        short[] frame = next instanceof short[] f ? f : SILENCE;
        lastAudible = next instanceof short[] f && !isSilent(f);
        if (lastAudible) {
            audibleHeard++;
        }
        for (short s : frame) {
            heard.write(s & 0xff);
            heard.write((s >> 8) & 0xff);
        }
        echoReachedMarks();
    }

    private void echoReachedMarks() {
        while (playout.peek() instanceof String mark) {
            playout.poll();
            echo(mark);
        }
    }

    private void echo(String name) {
        echoed.add(name);
        ObjectNode m = message("mark");
        m.putObject("mark").put("name", name);
        send(m);
    }

    private synchronized void receive(String text) {
        JsonNode m;
        try {
            m = JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("Parley sent something that is not JSON: " + text, e);
        }
        received.add(m);
        switch (m.path("event").asText()) {
            case "media" -> {
                byte[] ulaw = Base64.getDecoder().decode(m.path("media").path("payload").asText());
                short[] pcm = new short[ulaw.length];
                for (int i = 0; i < ulaw.length; i++) {
                    pcm[i] = G711.decodeUlaw(ulaw[i]);
                }
                playout.add(pcm);
            }
            case "mark" -> {
                playout.add(m.path("mark").path("name").asText());
                echoReachedMarks(); // nothing queued before it: it comes back at once
            }
            case "clear" -> {
                clears.incrementAndGet();
                List<String> dropped = new ArrayList<>();
                for (Object o : playout) {
                    if (o instanceof String mark) {
                        dropped.add(mark);
                    }
                }
                playout.clear();
                dropped.forEach(this::echo);
            }
            default -> { }
        }
    }

    private static boolean isSilent(short[] f) {
        for (short s : f) {
            if (Math.abs(s) > 8) {
                return false;
            }
        }
        return true;
    }

    /** Everything the callee heard, 8 kHz, a frame per tick. */
    public synchronized short[] heard() {
        byte[] b = heard.toByteArray();
        short[] out = new short[b.length / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (short) ((b[2 * i] & 0xff) | (b[2 * i + 1] << 8));
        }
        return out;
    }

    /** Frames of Parley's that were not silence, as played. */
    public synchronized int audibleFramesHeard() {
        return audibleHeard;
    }

    /** Whether the frame played last was Parley's audio, not silence. */
    public synchronized boolean lastPlayedAudible() {
        return lastAudible;
    }

    /** Frames Parley sent that wait to be played. */
    public synchronized int queued() {
        int n = 0;
        for (Object o : playout) {
            if (o instanceof short[]) {
                n++;
            }
        }
        return n;
    }

    /** Every message Parley sent, parsed, in order. */
    public List<JsonNode> received() {
        return received;
    }

    public List<String> echoedMarks() {
        return echoed;
    }

    public int clears() {
        return clears.get();
    }

    public String streamId() {
        return streamId;
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    /** The close code Parley sent, waiting up to 5 s. */
    public int closeCode() {
        return closed.orTimeout(5, TimeUnit.SECONDS).join();
    }

    /** Waits up to 5 s (polling, no fixed sleep) for {@code condition}. */
    public static void await(String what, BooleanSupplier condition) {
        Await.until(what, java.time.Duration.ofSeconds(5), condition);
    }

    @Override
    public void close() {
        if (clock != null) {
            clock.shutdownNow();
        }
        if (!closed.isDone()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(2, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
    }
}
