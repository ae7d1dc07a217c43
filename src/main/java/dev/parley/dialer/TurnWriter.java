package dev.parley.dialer;

import dev.parley.call.TranscriptStore;
import dev.parley.call.TranscriptTurn;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores one call's transcript turns in order, off the conversation's thread: a database write
 * (a millisecond or two, more under load) must not sit between the caller's last word and the
 * assistant's answer. {@link #drain} waits for what is queued before the call's report is written.
 */
final class TurnWriter {
    private static final Logger log = LoggerFactory.getLogger(TurnWriter.class);

    private final String callId;
    private final TranscriptStore store;
    private final LinkedBlockingQueue<TranscriptTurn> queue = new LinkedBlockingQueue<>();
    private Thread writer;
    private int written;
    private int added;

    TurnWriter(String callId, TranscriptStore store) {
        this.callId = callId;
        this.store = store;
    }

    synchronized void add(TranscriptTurn turn) {
        added++;
        queue.add(turn);
        if (writer == null) {
            writer = Thread.ofVirtual().name("turns-" + callId).start(this::write);
        }
    }

    private void write() {
        try {
            while (true) {
                TranscriptTurn t = queue.poll(30, TimeUnit.SECONDS);
                if (t == null) {
                    continue;
                }
                if (!Retry.until(Dialer.RECORDING_PATIENCE, "store a transcript turn", () -> store.append(callId, t))
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
                    log.warn("Transcript turns were still being stored after {}", timeout);
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
