package dev.parley.recording;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * For users upgrading: versions before the store wrote each recording to
 * {@code <data-dir>/recordings/<call id>.wav} on the node that placed the call. A recording the
 * store does not have is looked for there, so those calls stay playable from the node that holds
 * the file. New recordings go to the store only.
 */
final class LegacyRecordingFiles implements RecordingStore {
    private final RecordingStore store;
    private final Path directory;

    LegacyRecordingFiles(RecordingStore store, Path directory) {
        this.store = store;
        this.directory = directory;
    }

    @Override
    public void put(String callId, byte[] wav) {
        store.put(callId, wav);
    }

    @Override
    public Optional<Recording> open(String callId) {
        Optional<Recording> stored = store.open(callId);
        if (stored.isPresent() || !callId.matches("[A-Za-z0-9_-]{1,64}")) { // never a path outside the directory
            return stored;
        }
        Path file = directory.resolve(callId + ".wav");
        try {
            return Files.isRegularFile(file)
                    ? Optional.of(new Recording("audio/wav", Files.size(file), Files.newInputStream(file)))
                    : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the recording file " + file, e);
        }
    }
}
