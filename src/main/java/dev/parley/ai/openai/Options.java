package dev.parley.ai.openai;

import java.time.Duration;

/**
 * Timings of the language-model responder.
 *
 * @param firstChunk how long a request may take to its first chunk before it counts as stalled
 * @param betweenChunks how long a stream may go quiet between chunks before it counts as stalled
 * @param fillerDelay how long a custom tool may run before the caller hears a short filler line
 * @param retryAfterLimit the longest {@code Retry-After} worth waiting for on a call; longer goes to the fallback
 */
public record Options(Duration firstChunk, Duration betweenChunks, Duration fillerDelay, Duration retryAfterLimit) {
    /**
     * A first chunk within 2.5 s: a stalled primary plus a fallback's first clause (a few hundred ms)
     * then still fits the 3 s of dead air a caller tolerates.
     */
    public static final Options DEFAULT = new Options(Duration.ofMillis(2_500), Duration.ofSeconds(2),
            Duration.ofMillis(1_500), Duration.ofSeconds(1));

    public Options {
        for (Duration d : new Duration[] {firstChunk, betweenChunks, fillerDelay, retryAfterLimit}) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("the responder's timings must be zero or more, got " + d);
            }
        }
    }
}
