package dev.parley.recording;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * S3 on loopback, at the wire: path-style PUT and GET object for one bucket, answered the way S3
 * answers (XML errors with a {@code <Code>}). Every request's SigV4 signature is recomputed here
 * from the secret key, with code of its own rather than {@link SigV4}'s, so a signing mistake in
 * the store cannot hide behind the same mistake in the check; the payload hash is checked against
 * the body received.
 */
final class FakeS3 implements AutoCloseable {
    private static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/s3/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})");

    final String bucket;
    final String accessKey;
    final String region;
    private final String secretKey;
    /** Objects by key (the path after the bucket, still percent-encoded). */
    final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    /** "METHOD /path" of every request, in arrival order. */
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** Requests still to be answered 503 SlowDown before serving again. */
    final AtomicInteger unavailable = new AtomicInteger();
    private final HttpServer server;

    FakeS3(String bucket, String region, String accessKey, String secretKey) throws IOException {
        this.bucket = bucket;
        this.region = region;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            byte[] body = x.getRequestBody().readAllBytes();
            String method = x.getRequestMethod();
            String path = x.getRequestURI().getRawPath();
            requests.add(method + " " + path);
            if (unavailable.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                error(x, 503, "SlowDown");
                return;
            }
            String refusal = refusal(x, method, path, body);
            if (refusal != null) {
                error(x, refusal.equals("SignatureDoesNotMatch") || refusal.equals("InvalidAccessKeyId") ? 403 : 400, refusal);
                return;
            }
            if (!path.startsWith("/" + bucket + "/")) {
                error(x, 404, "NoSuchBucket");
                return;
            }
            String key = path.substring(bucket.length() + 2);
            switch (method) {
                case "PUT" -> {
                    objects.put(key, body);
                    x.getResponseHeaders().set("ETag", "\"" + hex(MessageDigest.getInstance("MD5").digest(body)) + "\"");
                    x.sendResponseHeaders(200, -1);
                }
                case "GET" -> {
                    byte[] object = objects.get(key);
                    if (object == null) {
                        error(x, 404, "NoSuchKey");
                        return;
                    }
                    x.getResponseHeaders().set("Content-Type", "audio/wav");
                    x.sendResponseHeaders(200, object.length);
                    x.getResponseBody().write(object);
                }
                default -> error(x, 405, "MethodNotAllowed");
            }
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /** Why S3 would refuse the request, as its error code; null when it is signed right. */
    private String refusal(HttpExchange x, String method, String path, byte[] body) throws java.security.GeneralSecurityException {
        String authorization = x.getRequestHeaders().getFirst("Authorization");
        Matcher m = authorization == null ? null : AUTHORIZATION.matcher(authorization);
        if (m == null || !m.matches()) {
            return "AuthorizationHeaderMalformed";
        }
        if (!m.group(1).equals(accessKey)) {
            return "InvalidAccessKeyId";
        }
        String date = m.group(2);
        String amzDate = x.getRequestHeaders().getFirst("x-amz-date");
        String payloadHash = x.getRequestHeaders().getFirst("x-amz-content-sha256");
        List<String> signed = List.of(m.group(4).split(";"));
        if (!m.group(3).equals(region) || amzDate == null || !amzDate.startsWith(date)
                || !signed.containsAll(List.of("host", "x-amz-date", "x-amz-content-sha256"))) {
            return "AuthorizationHeaderMalformed";
        }
        if (!hex(MessageDigest.getInstance("SHA-256").digest(body)).equals(payloadHash)) {
            return "XAmzContentSHA256Mismatch";
        }
        StringBuilder canonical = new StringBuilder(method).append('\n').append(path).append('\n')
                .append(x.getRequestURI().getRawQuery() == null ? "" : x.getRequestURI().getRawQuery()).append('\n');
        for (String name : signed) {
            String value = x.getRequestHeaders().getFirst(name);
            canonical.append(name.toLowerCase(Locale.ROOT)).append(':').append(value == null ? "" : value.trim()).append('\n');
        }
        canonical.append('\n').append(m.group(4)).append('\n').append(payloadHash);
        String scope = date + "/" + region + "/s3/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                + hex(MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        byte[] k = mac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), date);
        k = mac(mac(mac(k, region), "s3"), "aws4_request");
        byte[] expected = mac(k, toSign);
        byte[] given = HexFormat.of().parseHex(m.group(5));
        return MessageDigest.isEqual(expected, given) ? null : "SignatureDoesNotMatch";
    }

    private static byte[] mac(byte[] key, String data) throws java.security.GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    private static void error(HttpExchange x, int status, String code) throws IOException {
        byte[] xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>refused by the fake"
                + "</Message><RequestId>1</RequestId></Error>").getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/xml");
        x.sendResponseHeaders(status, xml.length);
        x.getResponseBody().write(xml);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
