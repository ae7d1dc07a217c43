package dev.parley.dialer;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call's writes during the call (ringing and answered, transcript turns, digits), stored in order on a thread of
 * their own, each retried through a database failover: neither the conversation nor the media
 * clock ever waits for the database (a write takes a millisecond or two, seconds in a failover).
 * {@link #drain} waits for what is queued before the call's report is written.
 */
final class CallWrites {
    private static final Logger log = LoggerFactory.getLogger(CallWrites.class);

    private record Write(String what, Runnable run) {}

    private final String callId;
    private final Duration patience;
    private final LinkedBlockingQueue<Write> queue = new LinkedBlockingQueue<>();
    private Thread writer;
    private int written;
    private int added;

    CallWrites(String callId, Duration patience) {
        this.callId = callId;
        this.patience = patience;
    }

    synchronized void add(String what, Runnable write) {
        added++;
        queue.add(new Write(what, write));
        if (writer == null) {
            writer = Thread.ofVirtual().name("writes-" + callId).start(this::write);
        }
    }

    private void write() {
        try {
            while (true) {
                Write w = queue.poll(30, TimeUnit.SECONDS);
                if (w == null) {
                    continue;
                }
                if (!Retry.until(patience, w.what(), w.run())
                        && Thread.currentThread().isInterrupted()) {
                    return; // drained: the call's end gave up waiting
                }
                synchronized (this) {
                    written++;
                    notifyAll();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits (bounded) until every turn added so far is stored, then stops the writer. */
    synchronized void drain(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (written < added) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    log.warn("The call's writes were still being stored after {}", timeout);
                    break;
                }
                wait(Math.max(1, left / 1_000_000L));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer != null) {
            writer.interrupt();
        }
    }
}
