package dev.parley.recording;

import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries a put with backoff for a bounded time: a recording is stored as its call ends, once, and a
 * database failover or a store's passing 5xx must not lose it. A {@link Refused} put is not retried.
 * Reads are not retried: the caller can ask again.
 */
final class RetryingRecordingStore implements RecordingStore {
    private static final Logger log = LoggerFactory.getLogger(RetryingRecordingStore.class);
    private static final Duration FIRST = Duration.ofMillis(100);
    private static final Duration MOST = Duration.ofSeconds(2);

    private final RecordingStore store;
    private final Duration patience;

    RetryingRecordingStore(RecordingStore store, Duration patience) {
        this.store = store;
        this.patience = patience;
    }

    @Override
    public void put(String callId, byte[] wav) {
        long deadline = System.nanoTime() + patience.toNanos();
        Duration wait = FIRST;
        for (int attempt = 1; ; attempt++) {
            try {
                store.put(callId, wav);
                if (attempt > 1) {
                    log.info("Stored the recording after {} attempts", attempt);
                }
                return;
            } catch (Refused e) {
                throw e;
            } catch (RuntimeException e) {
                if (System.nanoTime() + wait.toNanos() > deadline) {
                    throw e;
                }
                if (attempt == 1) {
                    log.warn("Could not store the recording ({}); retrying for up to {} ms", e.getClass().getSimpleName(),
                            patience.toMillis());
                }
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                wait = wait.multipliedBy(2).compareTo(MOST) > 0 ? MOST : wait.multipliedBy(2);
            }
        }
    }

    @Override
    public Optional<Recording> open(String callId) {
        return store.open(callId);
    }
}
