package dev.parley.error;

import java.util.Map;

/**
 * A request Parley refuses for a reason the caller can fix. Services throw it; the API layer turns
 * it into the error envelope with the status of its {@link Kind}. The message is written for the
 * caller: it says what was wrong and what to send instead.
 */
public final class Problem extends RuntimeException {

    public enum Kind {
        INVALID(400), UNAUTHORIZED(401), FORBIDDEN(403), NOT_FOUND(404), CONFLICT(409), PAYLOAD_TOO_LARGE(413),
        UNSUPPORTED_MEDIA_TYPE(415), TOO_MANY_REQUESTS(429), UNAVAILABLE(503);

        public final int status;

        Kind(int status) {
            this.status = status;
        }
    }

    private final Kind kind;
    private final String code;
    private final Map<String, Object> details;
    private final Integer retryAfterSeconds;

    public Problem(Kind kind, String code, String message, Map<String, Object> details) {
        this(kind, code, message, details, null);
    }

    private Problem(Kind kind, String code, String message, Map<String, Object> details, Integer retryAfterSeconds) {
        super(message, null, false, false);
        this.kind = kind;
        this.code = code;
        this.details = Map.copyOf(details);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** A 429: over a limit that lifts by itself; the response carries {@code Retry-After} (and the same in the details). */
    public static Problem tooManyRequests(String code, String message, int retryAfterSeconds, Map<String, Object> details) {
        var all = new java.util.LinkedHashMap<String, Object>(details);
        all.put("retry_after_seconds", retryAfterSeconds);
        return new Problem(Kind.TOO_MANY_REQUESTS, code, message, all, Math.max(1, retryAfterSeconds));
    }

    public Problem(Kind kind, String code, String message) {
        this(kind, code, message, Map.of());
    }

    /** A 400 about one field of the body or query; {@code field} is its JSON path, e.g. {@code config.voice.provider}. */
    public static Problem invalid(String field, String message) {
        return new Problem(Kind.INVALID, "invalid_request", message, Map.of("field", field));
    }

    public static Problem notFound(String code, String message) {
        return new Problem(Kind.NOT_FOUND, code, message);
    }

    /** The key is valid but may not do this; the message says which key may. */
    public static Problem forbidden(String code, String message) {
        return new Problem(Kind.FORBIDDEN, code, message);
    }

    public static Problem conflict(String code, String message) {
        return new Problem(Kind.CONFLICT, code, message);
    }

    public Kind kind() {
        return kind;
    }

    public String code() {
        return code;
    }

    public Map<String, Object> details() {
        return details;
    }

    /** Seconds after which the same request may succeed, for a 429; else empty. */
    public java.util.OptionalInt retryAfterSeconds() {
        return retryAfterSeconds == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(retryAfterSeconds);
    }
}
