package dev.parley.recording;

import java.io.ByteArrayInputStream;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Recordings as {@code bytea} rows of {@code call_recordings} (migration V9): nothing more to run,
 * and they are backed up with the database. A minute of call is about 1 MB, so this suits thousands
 * of calls; a row is read whole into memory, which stays reasonable up to calls of tens of minutes.
 */
final class PostgresRecordingStore implements RecordingStore {
    private final Jdbi jdbi;

    PostgresRecordingStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public void put(String callId, byte[] wav) {
        jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO call_recordings (call_id, content_type, size_bytes, bytes)
                        VALUES (:id, 'audio/wav', :size, :bytes)
                        ON CONFLICT (call_id) DO UPDATE
                           SET content_type = excluded.content_type, size_bytes = excluded.size_bytes,
                               bytes = excluded.bytes, created_at = now()""")
                .bind("id", callId).bind("size", (long) wav.length).bind("bytes", wav).execute());
    }

    @Override
    public Optional<Recording> open(String callId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT content_type, bytes FROM call_recordings WHERE call_id = :id")
                .bind("id", callId)
                .map((rs, ctx) -> {
                    byte[] bytes = rs.getBytes("bytes");
                    return new Recording(rs.getString("content_type"), bytes.length, new ByteArrayInputStream(bytes));
                })
                .findOne());
    }
}
