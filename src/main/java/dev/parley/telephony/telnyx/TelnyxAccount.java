package dev.parley.telephony.telnyx;

/**
 * What Parley holds of a workspace's Telnyx number: the API key that places and hangs up its calls,
 * the Call Control application ({@code connection_id}) they go out through, and the account's
 * Ed25519 public key (base64, from the portal) that signs its webhooks.
 */
public record TelnyxAccount(String apiKey, String connectionId, String publicKey) {

    /** Never shows the API key: records get logged and printed in error messages. */
    @Override
    public String toString() {
        return "TelnyxAccount[apiKey=***, connectionId=" + connectionId + "]";
    }
}
