package dev.parley.ai.sphinx;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's Sphinx4 recognizers, lent to one call's utterance at a time. They are created ahead on
 * background threads (1-2 s and about half a gigabyte each), so a node serves many calls with a few
 * recognizers: a call holds one only while its finished utterance is decoded.
 */
public final class RecognizerPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RecognizerPool.class);

    private final int size;
    private final short[] primer;
    private final LinkedBlockingQueue<GrammarRecognizer> free = new LinkedBlockingQueue<>();
    private final Set<GrammarRecognizer> lent = ConcurrentHashMap.newKeySet();
    private final AtomicInteger creating = new AtomicInteger();
    private final AtomicInteger failedCreations = new AtomicInteger();
    private final AtomicLong timedOutBorrows = new AtomicLong();
    private volatile boolean closed;

    /**
     * Starts creating {@code size} recognizers in the background and returns at once.
     *
     * @param primer a few seconds of ordinary 8 kHz speech each recognizer hears once (see {@link GrammarRecognizer})
     */
    public RecognizerPool(int size, short[] primer) {
        if (size < 1) {
            throw new IllegalArgumentException("a recognizer pool needs at least one recognizer, not " + size);
        }
        this.size = size;
        this.primer = primer.clone();
        for (int i = 0; i < size; i++) {
            createInBackground();
        }
    }

    private void createInBackground() {
        creating.incrementAndGet();
        Thread.ofPlatform().daemon().name("sphinx-create").start(() -> {
            try {
                long t0 = System.nanoTime();
                GrammarRecognizer r = new GrammarRecognizer(primer);
                log.info("Sphinx4 recognizer ready in {} ms", (System.nanoTime() - t0) / 1_000_000);
                if (closed) {
                    r.close();
                } else {
                    free.add(r);
                }
            } catch (RuntimeException | Error e) {
                // Not retried: a recognizer that failed once (memory, models) will likely fail again; the
                // pool stays smaller and borrowers say so.
                failedCreations.incrementAndGet();
                log.error("cannot create a Sphinx4 recognizer; the pool has one fewer", e);
            } finally {
                creating.decrementAndGet();
            }
        });
    }

    /**
     * A free recognizer, waiting at most {@code timeout} for one; empty when none became free in time
     * or the pool is closed. Give it back with {@link #release} or, if it misbehaved, {@link #discard}.
     */
    public Optional<GrammarRecognizer> borrow(Duration timeout) throws InterruptedException {
        if (closed) {
            return Optional.empty();
        }
        GrammarRecognizer r = free.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (r == null) {
            timedOutBorrows.incrementAndGet();
            return Optional.empty();
        }
        lent.add(r);
        if (closed) { // closed while we waited: close() could not see this one
            lent.remove(r);
            r.close();
            return Optional.empty();
        }
        return Optional.of(r);
    }

    /** Gives a borrowed recognizer back; one that {@linkplain GrammarRecognizer#broken() broke} is discarded instead. */
    public void release(GrammarRecognizer r) {
        if (r.broken()) {
            discard(r);
            return;
        }
        if (!lent.remove(r)) {
            return; // not ours, or given back twice
        }
        if (closed) {
            r.close();
        } else {
            free.add(r);
        }
    }

    /** Closes a borrowed recognizer that timed out or failed, and creates a replacement in the background. */
    public void discard(GrammarRecognizer r) {
        if (!lent.remove(r)) {
            return;
        }
        r.close();
        if (!closed) {
            log.warn("discarding a Sphinx4 recognizer that overran or failed; creating a replacement");
            createInBackground();
        }
    }

    /** How many recognizers the pool is meant to have. */
    public int size() {
        return size;
    }

    /** Recognizers lent out now. */
    public int inUse() {
        return lent.size();
    }

    /** Recognizers ready and not lent out. */
    public int free() {
        return free.size();
    }

    /** Recognizers still being created. */
    public int creating() {
        return creating.get();
    }

    public int failedCreations() {
        return failedCreations.get();
    }

    /** Borrows that found no recognizer free within their timeout, since the start. */
    public long timedOutBorrows() {
        return timedOutBorrows.get();
    }

    /**
     * Closes the free recognizers now and the lent ones as they come back; recognizers still being
     * created are closed when ready. Does not wait.
     */
    @Override
    public void close() {
        closed = true;
        GrammarRecognizer r;
        while ((r = free.poll()) != null) {
            r.close();
        }
    }
}
