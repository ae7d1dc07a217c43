package dev.parley.telephony;

/** What a provider reports about one call it dials. Called from the provider's threads; must not block long. */
public interface CallListener {
    void ringing(int code);

    void answered();

    /** Called exactly once, last. */
    void ended(CallEnd end);
}
