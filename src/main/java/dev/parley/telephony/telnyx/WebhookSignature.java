package dev.parley.telephony.telnyx;

import dev.parley.error.Problem;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;

/**
 * Telnyx's webhook signature: Ed25519 over {@code <telnyx-timestamp>|<raw body>}, base64 in
 * {@code telnyx-signature-ed25519}, checked with the account's public key. A timestamp more than
 * five minutes from now is refused whatever its signature: a captured webhook cannot be replayed
 * later.
 */
final class WebhookSignature {
    static final Duration TOLERANCE = Duration.ofMinutes(5);
    // DER prefix of an X.509 SubjectPublicKeyInfo for Ed25519 (RFC 8410): a raw 32-byte key follows.
    private static final byte[] X509_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    private final InstantSource clock;

    WebhookSignature(InstantSource clock) {
        this.clock = clock;
    }

    /** Throws a 403 saying what is wrong unless the webhook is Telnyx's, signed within the tolerance. */
    void verify(String publicKey, String timestamp, String signature, byte[] body) {
        requireHeaders(timestamp, signature);
        long seconds;
        try {
            seconds = Long.parseLong(timestamp.strip());
        } catch (NumberFormatException e) {
            throw refused("webhook_signature_invalid", "telnyx-timestamp must be Unix seconds");
        }
        if (Duration.between(Instant.ofEpochSecond(seconds), clock.instant()).abs().compareTo(TOLERANCE) > 0) {
            throw refused("webhook_timestamp_too_old", "telnyx-timestamp is more than " + TOLERANCE.toMinutes()
                    + " minutes from this node's time: a replayed webhook, or a clock that is off (check NTP)");
        }
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(signature.strip());
        } catch (IllegalArgumentException e) {
            throw refused("webhook_signature_invalid", "telnyx-signature-ed25519 must be base64");
        }
        byte[] head = (timestamp.strip() + "|").getBytes(StandardCharsets.US_ASCII);
        try {
            Signature ed = Signature.getInstance("Ed25519");
            ed.initVerify(key(publicKey));
            ed.update(ByteBuffer.allocate(head.length + body.length).put(head).put(body).array());
            if (!ed.verify(sig)) {
                throw refused("webhook_signature_invalid", "telnyx-signature-ed25519 does not match this body with the"
                        + " public key of the Telnyx number that placed the call; check that number's public_key (the"
                        + " account's Public Key in the Telnyx portal)");
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw refused("webhook_signature_invalid", "telnyx-signature-ed25519 cannot be checked: " + e.getClass().getSimpleName());
        }
    }

    /** Refuses a request without the signature's headers before anything is looked up for it. */
    static void requireHeaders(String timestamp, String signature) {
        if (timestamp == null || timestamp.isBlank() || signature == null || signature.isBlank()) {
            throw refused("webhook_unsigned", "A Telnyx webhook must carry the headers telnyx-timestamp and"
                    + " telnyx-signature-ed25519; this one did not, so it was not accepted");
        }
    }

    /** Whether {@code publicKey} is a usable Ed25519 key: base64 of 32 raw bytes, or of its X.509 form. */
    static boolean usable(String publicKey) {
        try {
            key(publicKey);
            return true;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    static PublicKey key(String base64) throws GeneralSecurityException {
        byte[] raw = Base64.getDecoder().decode(base64.strip());
        byte[] der = raw;
        if (raw.length == 32) {
            der = ByteBuffer.allocate(X509_PREFIX.length + 32).put(X509_PREFIX).put(raw).array();
        }
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
    }

    private static Problem refused(String code, String message) {
        return Problem.forbidden(code, message);
    }
}
