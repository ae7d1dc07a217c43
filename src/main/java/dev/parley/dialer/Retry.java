package dev.parley.dialer;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Retries a database write that must not be lost, with backoff, for a bounded time. */
final class Retry {
    private static final Logger log = LoggerFactory.getLogger(Retry.class);
    private static final Duration FIRST = Duration.ofMillis(100);
    private static final Duration MOST = Duration.ofSeconds(2);

    private Retry() {}

    /** @return whether {@code write} succeeded within {@code patience} */
    static boolean until(Duration patience, String what, Runnable write) {
        long deadline = System.nanoTime() + patience.toNanos();
        Duration wait = FIRST;
        for (int attempt = 1; ; attempt++) {
            try {
                write.run();
                if (attempt > 1) {
                    log.info("Could {} after {} attempts", what, attempt);
                }
                return true;
            } catch (RuntimeException e) {
                if (System.nanoTime() + wait.toNanos() > deadline) {
                    log.error("Could not {} within {} s; giving up", what, patience.toSeconds(), e);
                    return false;
                }
                if (attempt == 1) {
                    log.warn("Could not {} ({}); retrying for up to {} s", what, e.getClass().getSimpleName(), patience.toSeconds());
                }
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    log.error("Interrupted before it could {}", what, e);
                    return false;
                }
                wait = wait.multipliedBy(2).compareTo(MOST) > 0 ? MOST : wait.multipliedBy(2);
            }
        }
    }
}
