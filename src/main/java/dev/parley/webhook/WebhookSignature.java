package dev.parley.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code Parley-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">}, with one {@code v1}
 * per valid secret (two during a rotation), as Stripe does. Receivers check any {@code v1} against
 * their secret and reject old timestamps to stop replays. {@link #verify} is the reference check,
 * and what the README's examples do.
 */
public final class WebhookSignature {
    private WebhookSignature() {}

    public static String header(long unixSeconds, byte[] body, List<String> secrets) {
        StringBuilder sb = new StringBuilder("t=").append(unixSeconds);
        for (String secret : secrets) {
            sb.append(",v1=").append(HexFormat.of().formatHex(hmac(secret, unixSeconds, body)));
        }
        return sb.toString();
    }

    /** True when the header carries a valid signature by {@code secret} no older than {@code toleranceSeconds}. */
    public static boolean verify(String header, byte[] body, String secret, long nowSeconds, long toleranceSeconds) {
        if (header == null) {
            return false;
        }
        long t = -1;
        for (String part : header.split(",")) {
            if (part.startsWith("t=")) {
                try {
                    t = Long.parseLong(part.substring(2));
                } catch (NumberFormatException e) {
                    return false;
                }
            }
        }
        if (t < 0 || Math.abs(nowSeconds - t) > toleranceSeconds) {
            return false;
        }
        byte[] expected = hmac(secret, t, body);
        for (String part : header.split(",")) {
            if (part.startsWith("v1=")) {
                try {
                    if (MessageDigest.isEqual(expected, HexFormat.of().parseHex(part.substring(3)))) {
                        return true;
                    }
                } catch (IllegalArgumentException e) {
                    // not hex: not a match
                }
            }
        }
        return false;
    }

    private static byte[] hmac(String secret, long t, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((t + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
