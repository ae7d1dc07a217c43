package dev.parley.support;

import dev.parley.media.MediaTransport;
import dev.parley.telephony.stream.MediaStreams;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A double of the WebSocket media stage for control-plane tests: it hands out a stream URL and a
 * token per call, and a test (playing the carrier) "connects" with the token it found in the call's
 * TwiML, which starts a silent transport that counts what Parley sends.
 */
public final class FakeMediaStreams implements MediaStreams {
    private final Map<String, MediaStreams.Events> byToken = new ConcurrentHashMap<>();
    public final Map<String, String> signingKeys = new ConcurrentHashMap<>();
    public final AtomicInteger framesSent = new AtomicInteger();
    public final AtomicInteger closed = new AtomicInteger();

    @Override
    public Expected expect(String callId, Dialect dialect, Optional<String> signingKey, Events events) {
        String token = UUID.randomUUID().toString();
        byToken.put(token, events);
        signingKey.ifPresent(k -> signingKeys.put(callId, k));
        return new Expected() {
            @Override
            public URI url() {
                return URI.create("wss://parley.example.test/v1/carriers/twilio/stream");
            }

            @Override
            public String token() {
                return token;
            }

            @Override
            public void close() {
                if (byToken.remove(token) != null) {
                    closed.incrementAndGet();
                }
            }
        };
    }

    /** The carrier opens the stream with the token of the call's TwiML; false when nobody expects it. */
    public boolean connect(String token) {
        MediaStreams.Events events = byToken.get(token);
        if (events == null) {
            return false;
        }
        events.started(new MediaTransport() {
            @Override
            public short[] receive() {
                return null;
            }

            @Override
            public void send(short[] frame) {
                framesSent.incrementAndGet();
            }

            @Override
            public boolean sendDigits(String digits) {
                return false;
            }

            @Override
            public void close() {
            }
        });
        return true;
    }
}
