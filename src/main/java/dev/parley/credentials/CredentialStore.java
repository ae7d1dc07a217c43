package dev.parley.credentials;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** {@code provider_credentials}: sealed keys by workspace and provider. Knows nothing of sealing. */
final class CredentialStore {
    private final Jdbi jdbi;

    CredentialStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    record Row(String provider, Instant createdAt, Instant updatedAt) {}

    /** One primary-key lookup: what a call's providers are built with. */
    Optional<byte[]> sealedKey(String workspaceId, String provider) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT api_key FROM provider_credentials WHERE workspace_id = :ws AND provider = :p")
                .bind("ws", workspaceId).bind("p", provider).mapTo(byte[].class).findOne());
    }

    /** The workspace's keys, without opening them. */
    List<Row> rows(String workspaceId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT provider, created_at, updated_at FROM provider_credentials
                        WHERE workspace_id = :ws ORDER BY provider""")
                .bind("ws", workspaceId)
                .map((rs, ctx) -> new Row(rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getTimestamp(3).toInstant()))
                .list());
    }

    /** Sets or replaces the key; empty when the workspace is gone (deleted meanwhile). */
    Optional<Instant> put(String workspaceId, String provider, byte[] sealedKey) {
        return jdbi.withHandle(h -> h.createQuery("""
                        INSERT INTO provider_credentials (workspace_id, provider, api_key)
                        SELECT id, :p, :key FROM workspaces WHERE id = :ws AND deleted_at IS NULL
                        ON CONFLICT (workspace_id, provider) DO UPDATE SET api_key = EXCLUDED.api_key, updated_at = now()
                        RETURNING updated_at""")
                .bind("ws", workspaceId).bind("p", provider).bind("key", sealedKey)
                .mapTo(Instant.class).findOne());
    }

    boolean delete(String workspaceId, String provider) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM provider_credentials WHERE workspace_id = :ws AND provider = :p")
                .bind("ws", workspaceId).bind("p", provider).execute() == 1);
    }
}
