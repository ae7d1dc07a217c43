package dev.parley.telephony;

/** What a provider reports about one call it dials. Called from the provider's threads; must not block long. */
public interface CallListener {
    void ringing(int code);

    /**
     * The far end answered; {@code audio} is the call's media, or null when its answer carried no
     * usable audio (the provider hangs up at once).
     */
    void answered(dev.parley.media.CallAudio audio);

    /** A digit the callee pressed (RFC 4733), once per press. */
    default void dtmf(char digit) {
    }

    /** Called exactly once, last. */
    void ended(CallEnd end);
}
