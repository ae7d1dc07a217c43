package dev.parley.recording;

import dev.parley.config.ParleyConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Where calls' stereo WAV recordings are kept, so that any node of a deployment can serve the
 * recording of a call another node placed: in PostgreSQL by default, or in an S3-compatible bucket
 * ({@code recordings.url}).
 */
public interface RecordingStore {

    /**
     * Stores a call's recording, replacing any earlier one, so a retried put never fails for having
     * succeeded before.
     *
     * @throws RuntimeException when it could not be stored; the message carries no secret
     */
    void put(String callId, byte[] wav);

    /** The call's recording, or empty when there is none. The caller closes it. */
    Optional<Recording> open(String callId);

    /** How long a recording is retried when the store fails as its call ends (a database failover, say). */
    Duration PATIENCE = Duration.ofSeconds(30);

    /**
     * The store the configuration names, retrying puts for {@link #PATIENCE}. It also serves what
     * earlier setups stored: recordings in the database once S3 is configured, and the files that
     * versions before the store wrote under {@code legacyFiles} ({@code <data-dir>/recordings}).
     */
    static RecordingStore of(ParleyConfig.Recordings config, Jdbi jdbi, Path legacyFiles) {
        RecordingStore files = new LegacyRecordingFiles(legacyFiles);
        return switch (config) {
            case ParleyConfig.Recordings.InDatabase d -> new StoreWithFallback(
                    new RetryingRecordingStore(new PostgresRecordingStore(jdbi), PATIENCE), files);
            case ParleyConfig.Recordings.S3 s3 -> new StoreWithFallback(
                    new RetryingRecordingStore(new S3RecordingStore(s3, java.time.InstantSource.system()), PATIENCE),
                    new StoreWithFallback(new PostgresRecordingStore(jdbi), files));
        };
    }
}
