package dev.parley.telephony.stream;

import dev.parley.media.MediaTransport;
import java.net.URI;
import java.util.Optional;

/**
 * Carriers' media streams (Twilio Media Streams, Telnyx media streaming): a call's audio over a
 * WebSocket that the carrier opens to this node once the callee answered. The provider placing the
 * call says it expects a stream before it asks the carrier to dial, tells the carrier the URL and the
 * per-call token, and gets the call's {@link MediaTransport} when the stream starts. A stream that
 * nobody expects, or that does not carry the token (and, for Twilio, a valid signature on the
 * upgrade request), is refused: nobody else can attach to a call.
 *
 * <p>A web call's stream is a browser's ({@link Dialect#WEB}): its token was issued when the call was
 * accepted and is checked against the call's stored hash when the browser starts its stream, so
 * expecting it mints nothing.
 */
public interface MediaStreams {

    /** The message dialects spoken on the stream. */
    enum Dialect { TWILIO, TELNYX, WEB }

    /** One call's expected stream: what the carrier must be told, and the way to let go of it. */
    interface Expected extends AutoCloseable {
        /** The {@code wss://} URL the carrier connects to, under {@code public.url}. */
        URI url();

        /**
         * The per-call secret the carrier hands back (Twilio: a custom parameter of the stream; Telnyx: in
         * the URL); null for a browser, whose token only the browser holds.
         */
        String token();

        /** The call is over: stop expecting, and close the stream when one is attached. Idempotent. */
        @Override
        void close();
    }

    /** What one call's stream reports, on the stream's own thread; must not block long. */
    interface Events {
        /** The stream started; the receiver owns {@code transport} from now on and closes it when the call ends. */
        void started(MediaTransport transport);

        /** A key the callee pressed, once per press. */
        void dtmf(char digit);

        /** The carrier stopped the stream, or its socket closed; the call's end still comes from the carrier's status. */
        void stopped(String why);
    }

    /**
     * @param signingKey Twilio's auth token (or API key secret), which signs the upgrade request
     *                   ({@code X-Twilio-Signature} over the {@code wss://} URL); empty for dialects that sign nothing there
     */
    Expected expect(String callId, Dialect dialect, Optional<String> signingKey, Events events);
}
