package dev.parley.recording;

import java.util.Optional;

/**
 * Writes to the configured store and reads from it, then from the one used before: a deployment
 * that moves from PostgreSQL to S3 keeps serving the recordings already in the database, and one
 * upgraded from files keeps serving those ({@link LegacyRecordingFiles}).
 */
final class StoreWithFallback implements RecordingStore {
    private final RecordingStore store;
    private final RecordingStore earlier;

    StoreWithFallback(RecordingStore store, RecordingStore earlier) {
        this.store = store;
        this.earlier = earlier;
    }

    @Override
    public void put(String callId, byte[] wav) {
        store.put(callId, wav);
    }

    @Override
    public Optional<Recording> open(String callId) {
        Optional<Recording> found = store.open(callId);
        return found.isPresent() ? found : earlier.open(callId);
    }
}
