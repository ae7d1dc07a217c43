package dev.parley.telephony.stream;

import java.nio.ByteBuffer;
import dev.parley.call.WebCalls;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One browser's socket on {@link CarrierStreams#BROWSER_PATH}: a web call's phone line. Nothing is
 * trusted until its {@code start} message, in the WEB dialect of {@link Wire}:
 * <pre>{"event": "start", "start": {"custom_parameters": {"token": "..."},
 *                                 "media_format": {"encoding": "pcm16", "sample_rate": 8000}}}</pre>
 * The token is checked against the call's stored hash ({@link WebCallTokens}: any node can check it)
 * and its join deadline; a good one joins the call now, or waits for the dialer to claim it (see
 * {@link CarrierStreams#join}). Once joined the browser gets {@code {"event": "started"}} and the call
 * is answered. Audio then flows both ways as binary messages (320 bytes: 20 ms of 16-bit
 * little-endian PCM at 8 kHz); marks, {@code clear} and the live transcript are JSON text.
 * {@code stop}, or closing the socket, is the callee hanging up.
 *
 * <p>Refusals close with 1008 and say why in the close reason, never with the token: a wrong token,
 * an unknown call and a phone call's id read alike; an expired token, a call that is over or already
 * has its browser say so. Messages come on the socket's thread, one at a time; the join may happen on
 * another thread (the dialer's expectation arriving), hence the volatile fields.
 */
public final class BrowserSession implements Attachment {
    private static final Logger log = LoggerFactory.getLogger(BrowserSession.class);
    static final String NO_SUCH_CALL = "no web call has this id and token";
    private static final int FRAME_BYTES = 320;

    private final CarrierStreams streams;
    private final String callId;
    private final StreamSocket socket;
    private final CarrierStreams.Stats stats;
    private final LongSupplier nanos;
    private volatile CarrierStreams.Expectation call;
    private volatile StreamTransport transport;
    private volatile boolean started;
    private volatile boolean stopped;
    private long frames;

    BrowserSession(CarrierStreams streams, String callId, StreamSocket socket, CarrierStreams.Stats stats, LongSupplier nanos) {
        this.streams = streams;
        this.callId = callId;
        this.socket = socket;
        this.stats = stats;
        this.nanos = nanos;
    }

    String callId() {
        return callId;
    }

    StreamSocket socket() {
        return socket;
    }

    /** A text message from the browser. */
    public void text(String message) {
        StreamTransport t = transport;
        switch (Wire.WEB.parse(message)) {
            case StreamMessage.Start s -> start(s);
            case StreamMessage.Mark m -> {
                if (t != null) {
                    t.echoed(m.name());
                }
            }
            case StreamMessage.Dtmf d -> {
                if (t != null) {
                    call.events.dtmf(d.digit());
                }
            }
            case StreamMessage.Stop s -> stopped("the browser hung up");
            case StreamMessage.Media m -> stats.unknown().increment(); // a browser's audio is binary
            case StreamMessage.Connected c -> { }
            case StreamMessage.Error e -> { }
            case StreamMessage.Unknown u -> stats.unknown().increment();
        }
    }

    /** A binary message: one 20 ms frame of the caller's audio; anything else is counted and dropped. */
    public void binary(ByteBuffer data) {
        StreamTransport t = transport;
        if (t == null) {
            return; // not joined yet: the page may start its microphone before the call answers
        }
        if (data.remaining() != FRAME_BYTES) {
            stats.unknown().increment();
            return;
        }
        t.pcm(frames++, data);
    }

    private void start(StreamMessage.Start s) {
        if (started || stopped) {
            return; // a repeated start changes nothing
        }
        started = true;
        if (!Wire.WEB.encoding.equalsIgnoreCase(s.encoding()) || s.sampleRate() != 8000) {
            socket.close(StreamSocket.UNSUPPORTED, "audio must be pcm16 at 8000 Hz");
            return;
        }
        String token = s.parameters().get("token");
        Optional<WebCallTokens.Stored> stored = streams.tokens().find(callId);
        if (token == null || stored.isEmpty() || !MessageDigest.isEqual(WebCalls.sha256(token), stored.get().tokenSha256())) {
            refuse(NO_SUCH_CALL);
        } else if (stored.get().over()) {
            refuse("the call is over");
        } else if (!streams.clock().instant().isBefore(stored.get().joinBy())) {
            refuse("the token expired: create a new web call");
        } else {
            streams.join(this, stored.get().joinBy());
        }
    }

    /** Joins the call that expects this browser; refused when it already has one or is over. */
    void attach(CarrierStreams.Expectation e) {
        if (stopped) {
            return;
        }
        if (!e.attach(this)) {
            refuse(e.closed() ? "the call is over" : "the call already has a browser");
            return;
        }
        call = e;
        StreamTransport t = new StreamTransport(socket, Wire.WEB, "", stats, nanos);
        socket.send(Wire.started(callId), () -> { });
        transport = t;
        e.events.started(t);
    }

    private void refuse(String why) {
        stopped = true;
        streams.refuse(socket, callId, why, why);
    }

    /** The socket closed, whoever closed it. */
    public void closed() {
        streams.left(this);
        stopped("the browser closed its socket");
    }

    private void stopped(String why) {
        if (stopped) {
            return;
        }
        stopped = true;
        streams.left(this);
        CarrierStreams.Expectation e = call;
        if (e != null && e.attached() == this) {
            MDC.put("call_id", callId);
            try {
                log.debug("The browser left the call: {}", why);
            } finally {
                MDC.remove("call_id");
            }
            e.events.stopped(why);
        }
    }

    /** The call is over: close the socket (the transport's owner may already have). */
    @Override
    public void close() {
        StreamTransport t = transport;
        if (t != null) {
            t.close();
        } else {
            socket.close(StreamSocket.NORMAL, "call ended");
        }
    }
}
