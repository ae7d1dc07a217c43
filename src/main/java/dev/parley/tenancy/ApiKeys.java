package dev.parley.tenancy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The shape of an API key: {@code prl_<key id>_<secret>}. The key id (8 random bytes, hex) is the
 * public, indexed half; the secret (32 random bytes, base64url) is shown once and only its SHA-256 is
 * stored. A plain hash suffices because the secret has 256 bits of entropy: there is nothing to
 * guess, so a slow password hash would only slow every request.
 */
public final class ApiKeys {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int KEY_ID_HEX = 16;
    private static final int SECRET_CHARS = 43;
    private static final int TOKEN_LENGTH = 4 + KEY_ID_HEX + 1 + SECRET_CHARS;
    private static final MessageDigest SHA256 = newSha256();

    private ApiKeys() {}

    /** A newly generated key: {@code token} goes to the user once, the rest to the database. */
    public record Issued(String keyId, String token, byte[] secretSha256) {}

    /** A token split into its halves; nothing is known yet about whether it is valid. */
    public record Presented(String keyId, byte[] secretSha256) {}

    public static Issued generate() {
        byte[] id = new byte[8];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(secret);
        String keyId = HexFormat.of().formatHex(id);
        String secretText = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return new Issued(keyId, "prl_" + keyId + "_" + secretText, sha256(secretText));
    }

    public static Optional<Presented> parse(String token) {
        // Checked by hand, not with a regex: this runs on every authenticated request.
        if (token == null || token.length() != TOKEN_LENGTH || !token.startsWith("prl_") || token.charAt(20) != '_') {
            return Optional.empty();
        }
        for (int i = 4; i < 20; i++) {
            char c = token.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return Optional.empty();
            }
        }
        for (int i = 21; i < TOKEN_LENGTH; i++) {
            char c = token.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return Optional.empty();
            }
        }
        return Optional.of(new Presented(token.substring(4, 20), sha256(token.substring(21))));
    }

    /** Constant-time comparison of two hashes, so timing does not reveal how much of a secret matched. */
    public static boolean matches(byte[] presentedSha256, byte[] storedSha256) {
        return MessageDigest.isEqual(presentedSha256, storedSha256);
    }

    static byte[] sha256(String s) {
        try {
            // Cloning a prototype skips the provider lookup of getInstance, which costs more than the hash.
            return ((MessageDigest) SHA256.clone()).digest(s.getBytes(StandardCharsets.US_ASCII));
        } catch (CloneNotSupportedException e) {
            return newSha256().digest(s.getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
