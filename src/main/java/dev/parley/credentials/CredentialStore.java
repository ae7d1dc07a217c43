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

    /** @param baseUrl the one server the key may be sent to; empty: the provider's own service */
    record Row(String provider, Optional<String> baseUrl, Instant createdAt, Instant updatedAt) {}

    record Sealed(byte[] key, Optional<String> baseUrl) {}

    /** One primary-key lookup: what a call's providers are built with. */
    Optional<Sealed> sealedKey(String workspaceId, String provider) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT api_key, base_url FROM provider_credentials WHERE workspace_id = :ws AND provider = :p")
                .bind("ws", workspaceId).bind("p", provider)
                .map((rs, ctx) -> new Sealed(rs.getBytes(1), Optional.ofNullable(rs.getString(2)))).findOne());
    }

    /** The workspace's keys, without opening them. */
    List<Row> rows(String workspaceId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT provider, base_url, created_at, updated_at FROM provider_credentials
                        WHERE workspace_id = :ws ORDER BY provider""")
                .bind("ws", workspaceId)
                .map((rs, ctx) -> new Row(rs.getString(1), Optional.ofNullable(rs.getString(2)),
                        rs.getTimestamp(3).toInstant(), rs.getTimestamp(4).toInstant()))
                .list());
    }

    /**
     * Sets or replaces the key and its scope together (a new key with no base_url is a key for
     * the provider's own service, whatever the old one was for); empty when the workspace is gone.
     */
    Optional<Instant> put(String workspaceId, String provider, byte[] sealedKey, Optional<String> baseUrl) {
        return jdbi.withHandle(h -> h.createQuery("""
                        INSERT INTO provider_credentials (workspace_id, provider, api_key, base_url)
                        SELECT id, :p, :key, :url FROM workspaces WHERE id = :ws AND deleted_at IS NULL
                        ON CONFLICT (workspace_id, provider)
                            DO UPDATE SET api_key = EXCLUDED.api_key, base_url = EXCLUDED.base_url, updated_at = now()
                        RETURNING updated_at""")
                .bind("ws", workspaceId).bind("p", provider).bind("key", sealedKey).bind("url", baseUrl.orElse(null))
                .mapTo(Instant.class).findOne());
    }

    boolean delete(String workspaceId, String provider) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM provider_credentials WHERE workspace_id = :ws AND provider = :p")
                .bind("ws", workspaceId).bind("p", provider).execute() == 1);
    }
}
