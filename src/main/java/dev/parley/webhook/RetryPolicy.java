package dev.parley.webhook;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When to try a delivery again. Timeouts, network errors, 5xx and 429 are retried with exponential
 * backoff (initial delay doubling per attempt, capped at an hour, with +-20% jitter so that a
 * receiver coming back is not hit by every retry at once), honouring a 429/503 {@code Retry-After};
 * for up to {@link #WINDOW} after the event, then the delivery fails. Other 4xx (and 3xx: redirects
 * are not followed) fail at once: sending the same request again cannot help.
 */
final class RetryPolicy {
    static final Duration WINDOW = Duration.ofHours(24);
    private static final Duration CAP = Duration.ofHours(1);
    private final Duration initial;

    RetryPolicy(Duration initial) {
        this.initial = initial;
    }

    static boolean retryable(Integer statusCode) {
        return statusCode == null || statusCode >= 500 || statusCode == 429 || statusCode == 408;
    }

    /** The next attempt's time, or empty when the window is over. */
    Optional<Instant> next(int attempt, Instant eventCreated, Instant now, Optional<Duration> retryAfter) {
        long base = initial.toMillis() << Math.min(attempt - 1, 30);
        long capped = Math.min(base, CAP.toMillis());
        long jittered = (long) (capped * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
        Duration delay = Duration.ofMillis(Math.max(jittered, retryAfter.map(Duration::toMillis).orElse(0L)));
        Instant at = now.plus(delay);
        return at.isAfter(eventCreated.plus(WINDOW)) ? Optional.empty() : Optional.of(at);
    }

    /** {@code Retry-After} in seconds (the HTTP-date form is rare from webhook receivers and is ignored). */
    static Optional<Duration> retryAfter(String header) {
        if (header == null) {
            return Optional.empty();
        }
        try {
            long seconds = Long.parseLong(header.strip());
            return seconds >= 0 ? Optional.of(Duration.ofSeconds(Math.min(seconds, WINDOW.toSeconds()))) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
