package dev.parley.tenancy;

import dev.parley.store.Ids;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Organizations, workspaces and API keys in PostgreSQL. */
public final class TenancyStore {
    private final Jdbi jdbi;

    public TenancyStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public record Organization(String id, String name) {}

    public record Workspace(String id, String organizationId, String name) {}

    record StoredKey(String organizationId, byte[] secretSha256, boolean revoked) {}

    public Organization createOrganization(Handle h, String name) {
        String id = Ids.next();
        h.createUpdate("INSERT INTO organizations (id, name) VALUES (:id, :name)")
                .bind("id", id).bind("name", name).execute();
        return new Organization(id, name);
    }

    public Workspace createWorkspace(Handle h, String organizationId, String name) {
        String id = Ids.next();
        h.createUpdate("INSERT INTO workspaces (id, organization_id, name) VALUES (:id, :org, :name)")
                .bind("id", id).bind("org", organizationId).bind("name", name).execute();
        return new Workspace(id, organizationId, name);
    }

    /** Stores a new key for the organization and returns its token, which is never stored. */
    public String issueKey(Handle h, String organizationId, String label) {
        ApiKeys.Issued key = ApiKeys.generate();
        h.createUpdate("INSERT INTO api_keys (key_id, organization_id, secret_sha256, label) VALUES (:id, :org, :hash, :label)")
                .bind("id", key.keyId()).bind("org", organizationId).bind("hash", key.secretSha256()).bind("label", label)
                .execute();
        return key.token();
    }

    public Optional<Organization> firstOrganization(Handle h) {
        return h.createQuery("SELECT id, name FROM organizations ORDER BY created_at, id LIMIT 1")
                .map((rs, ctx) -> new Organization(rs.getString("id"), rs.getString("name"))).findOne();
    }

    public List<Workspace> workspaces(Handle h, String organizationId) {
        return h.createQuery("SELECT id, organization_id, name FROM workspaces WHERE organization_id = :org ORDER BY created_at, id")
                .bind("org", organizationId)
                .map((rs, ctx) -> new Workspace(rs.getString("id"), rs.getString("organization_id"), rs.getString("name")))
                .list();
    }

    Optional<StoredKey> findKey(String keyId) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT organization_id, secret_sha256, revoked_at IS NOT NULL AS revoked FROM api_keys WHERE key_id = :id")
                .bind("id", keyId)
                .map((rs, ctx) -> new StoredKey(rs.getString(1), rs.getBytes(2), rs.getBoolean(3)))
                .findOne());
    }

    Optional<String> workspaceOrganization(String workspaceId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT organization_id FROM workspaces WHERE id = :id")
                .bind("id", workspaceId).mapTo(String.class).findOne());
    }
}
