package dev.parley.telephony.web;

import dev.parley.call.EndReason;
import dev.parley.media.MediaTransport;
import dev.parley.telephony.CallEnd;
import dev.parley.telephony.CallListener;
import dev.parley.telephony.TelephonyProvider;
import dev.parley.telephony.stream.MediaStreams;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The web channel: a call whose phone line is a browser's WebSocket. "Dialing" one expects the
 * browser's stream ({@link MediaStreams}, WEB dialect) and rings until the browser joins with the
 * call's token, which answers it. The browser closing its socket or sending {@code stop} is the callee
 * hanging up ({@code callee-ended}); every other end (the API, the assistant, max duration, a node
 * stopping) is ours and closes the socket. Nobody joining is the owner's ring timer, set to the
 * token's expiry: the call ends {@code no-answer}.
 */
public final class WebTelephonyProvider implements TelephonyProvider {
    private final MediaStreams streams;

    public WebTelephonyProvider(MediaStreams streams) {
        this.streams = streams;
    }

    @Override
    public Active dial(Dial dial, CallListener listener) {
        WebCall call = new WebCall(listener);
        // Ringing first: a browser already waiting joins as soon as the stream is expected, on another thread.
        listener.ringing("waiting for the browser to join");
        MediaStreams.Expected expected = streams.expect(dial.callId(), MediaStreams.Dialect.WEB, Optional.empty(), call);
        call.expected = expected;
        if (call.ended.get()) {
            expected.close(); // a browser that joined and left before expect() returned
        }
        return call;
    }

    @Override
    public void close() {
    }

    /** One web call: the stream's events become the listener's, and its end is reported once. */
    private static final class WebCall implements Active, MediaStreams.Events {
        private final CallListener listener;
        private final AtomicBoolean ended = new AtomicBoolean();
        private volatile boolean answered;
        private volatile MediaStreams.Expected expected;

        WebCall(CallListener listener) {
            this.listener = listener;
        }

        @Override
        public void started(MediaTransport transport) {
            if (ended.get()) {
                transport.close();
                return;
            }
            answered = true;
            listener.answered(transport);
        }

        @Override
        public void dtmf(char digit) {
            listener.dtmf(digit);
        }

        @Override
        public void stopped(String why) {
            end(CallEnd.remote(EndReason.CALLEE_ENDED, null, why));
        }

        @Override
        public void hangup() {
            end(CallEnd.hungUpHere(answered ? EndReason.API_HANGUP : EndReason.CANCELED, null,
                    answered ? "Parley closed the browser's socket" : "hung up before a browser joined"));
        }

        private void end(CallEnd how) {
            if (!ended.compareAndSet(false, true)) {
                return;
            }
            MediaStreams.Expected e = expected;
            if (e != null) {
                e.close(); // stops expecting the browser; closes its socket if one joined
            }
            listener.ended(how);
        }
    }
}
