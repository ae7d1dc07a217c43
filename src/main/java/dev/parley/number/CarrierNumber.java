package dev.parley.number;

import java.util.Optional;

/**
 * What the dialer gets for a call: the workspace's number that places it (the request's
 * {@code from_number} when the workspace owns it, else its default) and the carrier behind it.
 * Secrets are opened for the call only; {@code toString} never shows them.
 */
public sealed interface CarrierNumber {

    /** The caller id, E.164. */
    String number();

    /** A SIP trunk carries the call (digest credentials when it asks). */
    record Sip(PhoneNumberService.Trunk trunk) implements CarrierNumber {
        @Override
        public String number() {
            return trunk.callerId();
        }
    }

    /**
     * A Twilio account places the call over its REST API: with the API key when there is one, else
     * the account SID and auth token. The auth token always verifies Twilio's callbacks, which Twilio
     * signs with it whatever credential placed the call.
     */
    record Twilio(String number, String accountSid, String authToken, Optional<ApiKey> apiKey) implements CarrierNumber {
        public record ApiKey(String sid, String secret) {
            @Override
            public String toString() {
                return "ApiKey[sid=" + sid + ", secret=***]";
            }
        }

        @Override
        public String toString() {
            return "Twilio[number=" + number + ", accountSid=" + accountSid + ", authToken=***, apiKey="
                    + apiKey.map(ApiKey::toString).orElse("none") + "]";
        }
    }

    /**
     * A Telnyx account places the call through Call Control.
     *
     * @param connectionId the Call Control application (connection) the call is placed on
     * @param publicKey the account's Ed25519 webhook public key, base64 of 32 bytes: verifies Telnyx's webhooks
     */
    record Telnyx(String number, String apiKey, String connectionId, String publicKey) implements CarrierNumber {
        @Override
        public String toString() {
            return "Telnyx[number=" + number + ", apiKey=***, connectionId=" + connectionId + ", publicKey=" + publicKey + "]";
        }
    }
}
