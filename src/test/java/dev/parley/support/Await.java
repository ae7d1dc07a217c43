package dev.parley.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The one bounded wait of the test support: for what happens on another thread, process or socket
 * (a real network peer, a browser, a fake carrier), where there is no clock of ours to advance.
 * Polls every few milliseconds, so it returns as soon as the condition holds.
 */
public final class Await {
    private static final long POLL_MILLIS = 5;

    private Await() {}

    /** Returns once {@code done} holds; fails naming {@code what} after {@code bound}. */
    public static void until(String what, Duration bound, BooleanSupplier done) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " did not happen within " + bound.toMillis() + " ms");
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }
}
