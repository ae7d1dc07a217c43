package dev.parley.telephony.telnyx;

/** What the HTTP route hands a Telnyx webhook to: its call (from the URL), its signature headers and raw body. */
public interface TelnyxWebhooks {
    /**
     * Verifies and applies one webhook. Throws a {@code Problem}: 403 when it is unsigned, forged or
     * too old, 404 for a call never placed through Telnyx, 400 for a body that is not a webhook.
     */
    void receive(String callId, String timestamp, String signature, byte[] body);
}
