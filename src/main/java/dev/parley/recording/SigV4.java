package dev.parley.recording;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for request headers, as specified in the AWS documentation "Create a
 * signed AWS API request" (AWS General Reference, Signature Version 4 signing process) and, for S3,
 * "Authenticating Requests: Using the Authorization Header (AWS Signature Version 4)":
 *
 * <pre>
 * CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n
 *                    (lowercase-name:trimmed-value \n)* \n SignedHeaders \n HexSHA256(payload)
 * StringToSign     = "AWS4-HMAC-SHA256" \n x-amz-date \n date/region/service/aws4_request \n HexSHA256(CanonicalRequest)
 * SigningKey       = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
 * Signature        = Hex(HMAC(SigningKey, StringToSign))
 * </pre>
 *
 * S3 takes the canonical URI as sent (each path segment percent-encoded once, {@link #encodeSegment});
 * other services encode it a second time, which the callers here never need.
 */
final class SigV4 {
    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private SigV4() {}

    /**
     * The {@code Authorization} header's value.
     *
     * @param headers every header to sign, lowercase name to value; must hold {@code host} and
     *     {@code x-amz-date}, whose date is the credential scope's
     */
    static String authorization(String method, String canonicalUri, String canonicalQuery, SortedMap<String, String> headers,
                                String payloadSha256, String region, String service, String accessKey, String secretKey) {
        String amzDate = headers.get("x-amz-date");
        if (amzDate == null || !headers.containsKey("host")) {
            throw new IllegalArgumentException("SigV4 signs host and x-amz-date; both must be among the headers");
        }
        String signedHeaders = String.join(";", headers.keySet());
        String canonicalHeaders = headers.entrySet().stream()
                .map(e -> e.getKey() + ":" + e.getValue().strip().replaceAll(" +", " ") + "\n")
                .collect(Collectors.joining());
        String canonicalRequest = method + "\n" + canonicalUri + "\n" + canonicalQuery + "\n" + canonicalHeaders + "\n"
                + signedHeaders + "\n" + payloadSha256;
        String date = amzDate.substring(0, 8);
        String scope = date + "/" + region + "/" + service + "/aws4_request";
        String stringToSign = ALGORITHM + "\n" + amzDate + "\n" + scope + "\n" + sha256Hex(canonicalRequest.getBytes(StandardCharsets.UTF_8));
        byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), date);
        for (String part : new String[] {region, service, "aws4_request"}) {
            key = hmac(key, part);
        }
        String signature = HexFormat.of().formatHex(hmac(key, stringToSign));
        return ALGORITHM + " Credential=" + accessKey + "/" + scope + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature;
    }

    static String amzDate(Instant at) {
        return AMZ_DATE.format(at);
    }

    static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** RFC 3986 percent-encoding of one path segment: everything but A-Z a-z 0-9 - . _ ~, as UTF-8. */
    static String encodeSegment(String segment) {
        StringBuilder out = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(HexFormat.of().withUpperCase().toHexDigits(b));
            }
        }
        return out.toString();
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no HmacSHA256", e);
        }
    }

    /** Headers as SigV4 orders them: names lowercased, sorted. */
    static SortedMap<String, String> headers(Map<String, String> raw) {
        SortedMap<String, String> out = new java.util.TreeMap<>();
        raw.forEach((k, v) -> out.put(k.toLowerCase(java.util.Locale.ROOT), v));
        return out;
    }
}
