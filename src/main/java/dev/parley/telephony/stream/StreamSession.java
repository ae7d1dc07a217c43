package dev.parley.telephony.stream;

import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One carrier socket of an expected call, from its upgrade to its close: reads the dialect's
 * messages and, once {@code start} proves the stream is the call's (Twilio's token in its custom
 * parameters; Telnyx's was in the URL) and its audio is μ-law at 8 kHz, hands the call a
 * {@link StreamTransport}. Messages arrive on the socket's thread, one at a time.
 */
public final class StreamSession implements Attachment {
    private static final Logger log = LoggerFactory.getLogger(StreamSession.class);

    private final CarrierStreams.Expectation call;
    private final Wire wire;
    private final StreamSocket socket;
    private final CarrierStreams.Stats stats;
    private final LongSupplier nanos;
    private volatile StreamTransport transport;
    private volatile boolean stopped;

    StreamSession(CarrierStreams.Expectation call, Wire wire, StreamSocket socket, CarrierStreams.Stats stats, LongSupplier nanos) {
        this.call = call;
        this.wire = wire;
        this.socket = socket;
        this.stats = stats;
        this.nanos = nanos;
    }

    /** A text message from the carrier. */
    public void text(String message) {
        StreamTransport t = transport;
        switch (wire.parse(message)) {
            case StreamMessage.Media m -> {
                if (t != null && m.inbound()) {
                    t.media(m.order(), m.ulaw());
                }
            }
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
            case StreamMessage.Start s -> start(s);
            case StreamMessage.Stop s -> stopped("the carrier stopped the stream");
            case StreamMessage.Connected c -> { }
            case StreamMessage.Error e -> withCall(() -> log.warn("The carrier reported an error on the media stream"));
            case StreamMessage.Unknown u -> stats.unknown().increment();
        }
    }

    private void start(StreamMessage.Start s) {
        if (transport != null || stopped) {
            return; // a repeated start changes nothing
        }
        if (call.dialect == MediaStreams.Dialect.TWILIO) {
            if (!CarrierStreams.sameToken(call.token, s.parameters().get("token"))) {
                stopped = true;
                call.streams().refuse(socket, call.callId, "the start message's token is missing or wrong");
                return;
            }
            if (!call.attach(this)) {
                stopped = true;
                call.streams().refuse(socket, call.callId, "the call already has a stream");
                return;
            }
        }
        if (!wire.encoding.equalsIgnoreCase(s.encoding()) || s.sampleRate() != 8000) {
            withCall(() -> log.warn("Media stream closed: its audio is not μ-law at 8 kHz ({} at {} Hz)", s.encoding(), s.sampleRate()));
            socket.close(StreamSocket.UNSUPPORTED, "audio must be mu-law at 8000 Hz");
            stopped("the stream's audio format is not supported");
            return;
        }
        StreamTransport t = new StreamTransport(socket, wire, wire.prefix(s.streamId()), stats, nanos);
        transport = t;
        call.events.started(t);
    }

    /** The socket closed, whoever closed it. */
    public void closed() {
        stopped("the stream's socket closed");
    }

    private void stopped(String why) {
        if (stopped) {
            return;
        }
        stopped = true;
        if (call.attached() == this) {
            call.events.stopped(why);
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

    private void withCall(Runnable r) {
        MDC.put("call_id", call.callId);
        try {
            r.run();
        } finally {
            MDC.remove("call_id");
        }
    }
}
