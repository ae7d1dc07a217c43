package dev.parley.recording;

import dev.parley.config.ParleyConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recordings as objects {@code <prefix>/<call id>.wav} in an S3-compatible bucket (AWS S3, MinIO,
 * Ceph, R2...), over the JDK's HTTP client with path-style addresses and {@link SigV4} signatures:
 * PUT and GET object are all Parley needs, so no SDK. The payload is signed too
 * ({@code x-amz-content-sha256}), which every S3-compatible server checks the same way.
 *
 * <p>Errors name the S3 error code and HTTP status only: S3's error bodies echo the request (and,
 * for a bad signature, the string to sign), which does not belong in logs.
 */
final class S3RecordingStore implements RecordingStore {
    private static final Pattern CODE = Pattern.compile("<Code>([^<]{1,64})</Code>");
    private static final Duration TIMEOUT = Duration.ofSeconds(60); // a 10-minute call is 19 MB

    private final ParleyConfig.Recordings.S3 config;
    private final InstantSource clock;
    private final HttpClient http;

    S3RecordingStore(ParleyConfig.Recordings.S3 config, InstantSource clock) {
        this.config = config;
        this.clock = clock;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Override
    public void put(String callId, byte[] wav) {
        HttpRequest request = signed("PUT", callId, wav).header("Content-Type", "audio/wav")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(wav)).build();
        HttpResponse<String> response = send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() / 100 != 2) {
            throw failure("PUT", response.statusCode(), response.body());
        }
    }

    @Override
    public Optional<Recording> open(String callId) {
        HttpRequest request = signed("GET", callId, new byte[0]).GET().build();
        HttpResponse<InputStream> response = send(request, HttpResponse.BodyHandlers.ofInputStream());
        int status = response.statusCode();
        if (status / 100 == 2) {
            long size = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            String type = response.headers().firstValue("Content-Type").orElse("audio/wav");
            if (size < 0) {
                byte[] body = readAll(response.body());
                return Optional.of(new Recording(type, body.length, new java.io.ByteArrayInputStream(body)));
            }
            return Optional.of(new Recording(type, size, response.body()));
        }
        String body = new String(readAll(response.body()), StandardCharsets.UTF_8);
        if (status == 404 && code(body).equals("NoSuchKey")) {
            return Optional.empty();
        }
        throw failure("GET", status, body);
    }

    private HttpRequest.Builder signed(String method, String callId, byte[] payload) {
        String key = config.prefix().isEmpty() ? callId + ".wav" : config.prefix() + "/" + callId + ".wav";
        StringBuilder path = new StringBuilder("/").append(SigV4.encodeSegment(config.bucket()));
        for (String segment : key.split("/")) {
            path.append('/').append(SigV4.encodeSegment(segment));
        }
        URI uri = URI.create(config.endpoint() + path.toString());
        String hash = SigV4.sha256Hex(payload);
        String date = SigV4.amzDate(clock.instant());
        // The JDK client sends Host itself, from the URI: host, and the port unless it is the scheme's default.
        int port = uri.getPort();
        boolean defaultPort = port < 0 || (port == 80 && uri.getScheme().equals("http")) || (port == 443 && uri.getScheme().equals("https"));
        String host = uri.getHost() + (defaultPort ? "" : ":" + port);
        var headers = SigV4.headers(Map.of("host", host, "x-amz-content-sha256", hash, "x-amz-date", date));
        String authorization = SigV4.authorization(method, path.toString(), "", headers, hash, config.region(), "s3",
                config.accessKey(), config.secretKey());
        return HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("x-amz-content-sha256", hash).header("x-amz-date", date)
                .header("Authorization", authorization);
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw new UncheckedIOException("S3 at " + config.endpoint() + " could not be reached (" + e.getClass().getSimpleName() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while talking to S3", e);
        }
    }

    /** 4xx is the configuration's fault (not retried), except 408 and 429; 5xx may pass. */
    private RuntimeException failure(String method, int status, String body) {
        String code = code(body);
        String hint = switch (code) {
            case "SignatureDoesNotMatch" -> ": check recordings.s3.secret.key";
            case "InvalidAccessKeyId" -> ": check recordings.s3.access.key";
            case "NoSuchBucket" -> ": create the bucket '" + config.bucket() + "' or fix recordings.url";
            case "AccessDenied" -> ": the key may not write to the bucket '" + config.bucket() + "'";
            case "RequestTimeTooSkewed" -> ": this node's clock is off; run NTP";
            default -> "";
        };
        String message = "S3 refused " + method + " of a recording in bucket '" + config.bucket() + "' at " + config.endpoint()
                + ": " + status + (code.isEmpty() ? "" : " " + code) + hint;
        boolean permanent = status / 100 == 4 && status != 408 && status != 429;
        return permanent ? new Refused(message) : new IllegalStateException(message);
    }

    private static String code(String body) {
        Matcher m = CODE.matcher(body == null ? "" : body);
        return m.find() ? m.group(1) : "";
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading S3's answer failed", e);
        }
    }
}
