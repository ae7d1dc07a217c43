package dev.parley.telephony;

import dev.parley.amd.AnsweredBy;
import dev.parley.media.MediaTransport;

/** What a provider reports about one call it dials. Called from the provider's threads; must not block long. */
public interface CallListener {
    void ringing(int code);

    /** The call rings, in the provider's words where no code says it (the web channel waits for its browser). */
    default void ringing(String reason) {
        ringing(180);
    }

    /**
     * The far end sends audio before answering (announcements, ringback). The listener owns
     * {@code media} from now on; the same one is handed to {@link #answered}.
     */
    default void earlyMedia(MediaTransport media) {
    }

    /**
     * The far end answered; the listener owns {@code media} from now on and closes it when the call
     * ends. Null when the answer carried no usable audio: the listener hangs up.
     */
    void answered(MediaTransport media);

    /** A digit the callee pressed (RFC 4733), once per press. */
    default void dtmf(char digit) {
    }

    /**
     * The carrier's own answering-machine verdict (Twilio's {@code AnsweredBy}), for carriers that
     * offer one; none calls it yet. Recorded as {@code answered_by} and acted on like the detector's,
     * over which it wins whenever it comes (see {@code conversation.Voicemail}).
     */
    default void answeredBy(AnsweredBy verdict) {
    }

    /** Called exactly once, last. */
    void ended(CallEnd end);
}
