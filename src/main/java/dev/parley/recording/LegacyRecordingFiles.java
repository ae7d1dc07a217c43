package dev.parley.recording;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * For users upgrading: versions before the store wrote each recording to
 * {@code <data-dir>/recordings/<call id>.wav} on the node that placed the call. This is the last
 * place a {@link StoreWithFallback} looks, so those calls stay playable from the node that holds
 * the file. Read only: new recordings go to the store.
 */
final class LegacyRecordingFiles implements RecordingStore {
    private final Path directory;

    LegacyRecordingFiles(Path directory) {
        this.directory = directory;
    }

    @Override
    public void put(String callId, byte[] wav) {
        throw new UnsupportedOperationException("recordings are no longer written as files");
    }

    @Override
    public Optional<Recording> open(String callId) {
        if (!callId.matches("[A-Za-z0-9_-]{1,64}")) { // never a path outside the directory
            return Optional.empty();
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
