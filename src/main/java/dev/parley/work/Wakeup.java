package dev.parley.work;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * "Look now" for a loop that otherwise polls (the dialer, the webhook dispatcher): any number of
 * signals before the loop looks count as one, and the loop waits for a signal or its poll interval.
 */
public final class Wakeup {
    private final Semaphore permits = new Semaphore(0);

    public void signal() {
        if (permits.availablePermits() == 0) {
            permits.release();
        }
    }

    /** Returns at the first signal, or after {@code max}. */
    public void await(Duration max) throws InterruptedException {
        permits.tryAcquire(max.toMillis(), TimeUnit.MILLISECONDS);
        permits.drainPermits();
    }

    /** A pause after a failure, before trying again; an interrupt is kept for the caller to see. */
    public static void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
