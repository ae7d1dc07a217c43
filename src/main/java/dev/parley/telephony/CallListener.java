package dev.parley.telephony;

/** What a provider reports about one call it dials. Called from the provider's threads; must not block long. */
public interface CallListener {
    void ringing(int code);

    void answered();

    /** A digit the callee pressed (RFC 4733), once per press. */
    default void dtmf(char digit) {
    }

    /** Called exactly once, last. */
    void ended(CallEnd end);
}
