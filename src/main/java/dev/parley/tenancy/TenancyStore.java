package dev.parley.tenancy;

import dev.parley.store.Ids;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Organizations, workspaces and API keys in PostgreSQL. */
public final class TenancyStore {
    private static final String KEY_COLUMNS =
            "key_id, name, organization_id, workspace_id, created_at, expires_at, last_used_at, revoked_at";
    private final Jdbi jdbi;

    public TenancyStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public record Organization(String id, String name) {}

    public record Workspace(String id, String organizationId, String name, Instant createdAt) {}

    /** A key as its owner sees it: everything but the secret. {@code workspaceId} is null for an organization-wide key. */
    public record ApiKey(String id, String name, String organizationId, String workspaceId, Instant createdAt,
                         Instant expiresAt, Instant lastUsedAt, Instant revokedAt) {
        public String prefix() {
            return "prl_" + id + "_";
        }
    }

    /**
     * What authentication needs about one key and the workspace a request names, read in one query.
     * {@code workspaceOrganization} is null when that workspace does not exist.
     */
    record KeyCheck(String organizationId, byte[] secretSha256, boolean revoked, Instant expiresAt, String scope,
                    String workspaceOrganization, boolean workspaceDeleted) {}

    public Organization createOrganization(Handle h, String name) {
        String id = Ids.next();
        h.createUpdate("INSERT INTO organizations (id, name) VALUES (:id, :name)")
                .bind("id", id).bind("name", name).execute();
        return new Organization(id, name);
    }

    public Workspace createWorkspace(Handle h, String organizationId, String name) {
        String id = Ids.next();
        Instant created = h.createQuery("INSERT INTO workspaces (id, organization_id, name) VALUES (:id, :org, :name) RETURNING created_at")
                .bind("id", id).bind("org", organizationId).bind("name", name).mapTo(Instant.class).one();
        return new Workspace(id, organizationId, name, created);
    }

    /** Stores a new organization-wide key that never expires and returns its token, which is never stored. */
    public String issueKey(Handle h, String organizationId, String name) {
        return issueKey(h, organizationId, name, Optional.empty(), Optional.empty()).token();
    }

    public record IssuedKey(ApiKey key, String token) {}

    public IssuedKey issueKey(Handle h, String organizationId, String name, Optional<String> workspaceId,
                              Optional<Instant> expiresAt) {
        ApiKeys.Issued key = ApiKeys.generate();
        ApiKey stored = h.createQuery("INSERT INTO api_keys (key_id, organization_id, secret_sha256, name, workspace_id, expires_at)"
                        + " VALUES (:id, :org, :hash, :name, :ws, :expires) RETURNING " + KEY_COLUMNS)
                .bind("id", key.keyId()).bind("org", organizationId).bind("hash", key.secretSha256()).bind("name", name)
                .bind("ws", workspaceId.orElse(null)).bind("expires", expiresAt.map(Timestamp::from).orElse(null))
                .map((rs, ctx) -> apiKey(rs)).one();
        return new IssuedKey(stored, key.token());
    }

    /** The organization's keys that are not revoked, newest first (expired ones included: they show why a key fails). */
    public List<ApiKey> keys(Handle h, String organizationId) {
        return h.createQuery("SELECT " + KEY_COLUMNS + " FROM api_keys WHERE organization_id = :org AND revoked_at IS NULL"
                        + " ORDER BY created_at DESC, key_id")
                .bind("org", organizationId).map((rs, ctx) -> apiKey(rs)).list();
    }

    /** Revokes the key (once: a second revocation keeps the first time) and returns it; empty when the organization has no such key. */
    public Optional<ApiKey> revokeKey(Handle h, String organizationId, String keyId) {
        return h.createQuery("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now())"
                        + " WHERE key_id = :id AND organization_id = :org RETURNING " + KEY_COLUMNS)
                .bind("id", keyId).bind("org", organizationId).map((rs, ctx) -> apiKey(rs)).findOne();
    }

    public Optional<Organization> firstOrganization(Handle h) {
        return h.createQuery("SELECT id, name FROM organizations ORDER BY created_at, id LIMIT 1")
                .map((rs, ctx) -> new Organization(rs.getString("id"), rs.getString("name"))).findOne();
    }

    public Optional<Organization> organization(Handle h, String id) {
        return h.createQuery("SELECT id, name FROM organizations WHERE id = :id").bind("id", id)
                .map((rs, ctx) -> new Organization(rs.getString("id"), rs.getString("name"))).findOne();
    }

    /** The organization's workspaces that are not deleted, oldest first. */
    public List<Workspace> workspaces(Handle h, String organizationId) {
        return h.createQuery("SELECT id, organization_id, name, created_at FROM workspaces"
                        + " WHERE organization_id = :org AND deleted_at IS NULL ORDER BY created_at, id")
                .bind("org", organizationId).map((rs, ctx) -> workspace(rs)).list();
    }

    /** A live workspace of the organization, locked for the rest of the transaction. */
    Optional<Workspace> lockWorkspace(Handle h, String organizationId, String workspaceId) {
        return h.createQuery("SELECT id, organization_id, name, created_at FROM workspaces"
                        + " WHERE id = :id AND organization_id = :org AND deleted_at IS NULL FOR UPDATE")
                .bind("id", workspaceId).bind("org", organizationId).map((rs, ctx) -> workspace(rs)).findOne();
    }

    void renameWorkspace(Handle h, String workspaceId, String name) {
        h.createUpdate("UPDATE workspaces SET name = :name WHERE id = :id").bind("name", name).bind("id", workspaceId).execute();
    }

    /** Calls of the workspace that are not over yet (queued, ringing, in progress). */
    long liveCalls(Handle h, String workspaceId) {
        return h.createQuery("SELECT count(*) FROM calls WHERE workspace_id = :ws AND status IN ('queued', 'ringing', 'in-progress')")
                .bind("ws", workspaceId).mapTo(Long.class).one();
    }

    /**
     * Marks the workspace deleted, revokes the keys limited to it (they could never work again) and
     * deletes its providers' keys (secrets of someone else's accounts are not kept past their use).
     */
    void deleteWorkspace(Handle h, String workspaceId) {
        h.createUpdate("UPDATE workspaces SET deleted_at = now() WHERE id = :id").bind("id", workspaceId).execute();
        h.createUpdate("UPDATE api_keys SET revoked_at = now() WHERE workspace_id = :id AND revoked_at IS NULL")
                .bind("id", workspaceId).execute();
        h.createUpdate("DELETE FROM provider_credentials WHERE workspace_id = :id").bind("id", workspaceId).execute();
    }

    /** One indexed query per authenticated request: the key by its id, and the workspace named in the request. */
    Optional<KeyCheck> checkKey(String keyId, String workspaceId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT k.organization_id, k.secret_sha256, k.revoked_at IS NOT NULL AS revoked, k.expires_at, k.workspace_id,
                               w.organization_id AS workspace_organization, w.deleted_at IS NOT NULL AS workspace_deleted
                        FROM api_keys k LEFT JOIN workspaces w ON w.id = :ws
                        WHERE k.key_id = :id""")
                .bind("id", keyId).bind("ws", workspaceId)
                .map((rs, ctx) -> new KeyCheck(rs.getString(1), rs.getBytes(2), rs.getBoolean(3), instant(rs, 4), rs.getString(5),
                        rs.getString(6), rs.getBoolean(7)))
                .findOne());
    }

    private static Workspace workspace(ResultSet rs) throws SQLException {
        return new Workspace(rs.getString("id"), rs.getString("organization_id"), rs.getString("name"), instant(rs, "created_at"));
    }

    private static ApiKey apiKey(ResultSet rs) throws SQLException {
        return new ApiKey(rs.getString("key_id"), rs.getString("name"), rs.getString("organization_id"), rs.getString("workspace_id"),
                instant(rs, "created_at"), instant(rs, "expires_at"), instant(rs, "last_used_at"), instant(rs, "revoked_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
