package dev.parley.tenancy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shape of an API key: {@code prl_<key id>_<secret>}. The key id (8 random bytes, hex) is the
 * public, indexed half; the secret (32 random bytes, base64url) is shown once and only its SHA-256 is
 * stored. A plain hash suffices because the secret has 256 bits of entropy: there is nothing to
 * guess, so a slow password hash would only slow every request.
 */
public final class ApiKeys {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern TOKEN = Pattern.compile("prl_([0-9a-f]{16})_([A-Za-z0-9_-]{43})");

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
        if (token == null) {
            return Optional.empty();
        }
        Matcher m = TOKEN.matcher(token);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new Presented(m.group(1), sha256(m.group(2))));
    }

    /** Constant-time comparison of two hashes, so timing does not reveal how much of a secret matched. */
    public static boolean matches(byte[] presentedSha256, byte[] storedSha256) {
        return MessageDigest.isEqual(presentedSha256, storedSha256);
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
