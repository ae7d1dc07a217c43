package dev.parley.ai;

import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * Why a network provider (a language model, a recognizer, a voice) failed, and whether trying again
 * may help. The one rule for what is retryable lives here: timeouts and dropped connections, 408,
 * 429 (after its {@code Retry-After}) and 5xx are; any other 4xx (a wrong key, an unknown model, a
 * bad request) is not, since the same request would fail the same way.
 *
 * @param provider the provider's name as the assistant config spells it ({@code openai}, {@code deepgram}, ...)
 * @param message what went wrong, for the call's history; never a key or a request body
 * @param retryAfter how long the provider asked us to wait, when it did
 */
public record ProviderFailure(String provider, boolean retryable, String message, Optional<Duration> retryAfter) {

    public ProviderFailure {
        retryAfter = retryAfter == null ? Optional.empty() : retryAfter;
    }

    public static ProviderFailure of(String provider, boolean retryable, String message) {
        return new ProviderFailure(provider, retryable, message, Optional.empty());
    }

    /** An HTTP answer that is not a success ({@code retryAfterHeader} may be null). */
    public static ProviderFailure ofStatus(String provider, int status, String retryAfterHeader, Instant now) {
        boolean retryable = status == 408 || status == 429 || status >= 500;
        String message = provider + " answered HTTP " + status + switch (status) {
            case 401, 403 -> " (check the API key set with PUT /v1/admin/credentials/" + provider + ")";
            case 404 -> " (check the model name and base_url)";
            case 429 -> " (rate limited)";
            default -> "";
        };
        return new ProviderFailure(provider, retryable, message, retryAfter(retryAfterHeader, now));
    }

    /** A failure below HTTP: a refused or dropped connection, a timeout, a stream that stalled. */
    public static ProviderFailure ofIo(String provider, Throwable e) {
        String what = e instanceof HttpTimeoutException || e instanceof java.net.SocketTimeoutException
                ? "timed out" : e instanceof IOException ? "connection failed" : "failed";
        return of(provider, true, provider + " " + what + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }

    /** A stream that stopped sending for longer than the provider's stall limit. */
    public static ProviderFailure stalled(String provider, Duration limit) {
        return of(provider, true, provider + " stalled: nothing arrived for " + limit.toMillis() + " ms");
    }

    /** {@code Retry-After} as seconds or an HTTP date; absent or unreadable means not given. */
    static Optional<Duration> retryAfter(String header, Instant now) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        String h = header.strip();
        try {
            long seconds = Long.parseLong(h);
            return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(h, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration d = Duration.between(now, at);
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            } catch (RuntimeException unreadable) {
                return Optional.empty();
            }
        }
    }

    /** Thrown by a provider's blocking calls ({@code Speech.next}, {@code Reply.next}, ...). */
    public static final class Exception extends RuntimeException {
        private final ProviderFailure failure;

        public Exception(ProviderFailure failure) {
            super(failure.message(), null, false, false);
            this.failure = failure;
        }

        public ProviderFailure failure() {
            return failure;
        }
    }
}
