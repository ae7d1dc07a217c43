package dev.parley;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.parley.assistant.Assistant;
import dev.parley.assistant.AssistantConfigJson;
import dev.parley.assistant.AssistantStore;
import dev.parley.api.Json;
import dev.parley.store.Database;
import dev.parley.store.Ids;
import dev.parley.tenancy.TenancyStore;
import java.time.Instant;
import java.util.Optional;

/**
 * The default organization, workspace and assistant, and API keys for them: what {@code parley init}
 * and the first {@code parley serve} on an empty database set up, so a newcomer can place a call
 * at once. Serialized with an advisory lock, so two nodes starting on one database make one of each.
 */
public final class Bootstrap {
    private static final long LOCK = 0x5041524c4559L; // "PARLEY"

    private Bootstrap() {}

    /** @param apiKey the new key's token, present when one was issued */
    public record Tenancy(String organizationId, String workspaceId, String assistantId, Optional<String> apiKey,
                          boolean createdOrganization) {}

    /** Creates whatever is missing and always issues a new key. */
    public static Tenancy init(Database db) {
        return ensure(db, true);
    }

    /** On {@code serve}: creates the defaults and a key only when the database has no organization yet. */
    public static Optional<Tenancy> firstStart(Database db) {
        Tenancy t = ensure(db, false);
        return t.createdOrganization() ? Optional.of(t) : Optional.empty();
    }

    private static Tenancy ensure(Database db, boolean alwaysIssueKey) {
        var tenancy = new TenancyStore(db.jdbi());
        var assistants = new AssistantStore(db.jdbi(), Json.mapper());
        return db.jdbi().inTransaction(h -> {
            h.execute("SELECT pg_advisory_xact_lock(?)", LOCK);
            Optional<TenancyStore.Organization> existing = tenancy.firstOrganization(h);
            boolean created = existing.isEmpty();
            TenancyStore.Organization org = existing.orElseGet(() -> tenancy.createOrganization(h, "Default organization"));
            TenancyStore.Workspace ws = tenancy.workspaces(h, org.id()).stream().findFirst()
                    .orElseGet(() -> tenancy.createWorkspace(h, org.id(), "Default workspace"));
            String assistantId = assistants.anyInWorkspace(h, ws.id()).orElseGet(() -> {
                Instant now = Instant.now();
                Assistant a = new Assistant(Ids.next(), ws.id(), "Default assistant", true,
                        AssistantConfigJson.parse(JsonNodeFactory.instance.objectNode()), now, now);
                assistants.insert(h, a);
                return a.id();
            });
            Optional<String> key = created || alwaysIssueKey
                    ? Optional.of(tenancy.issueKey(h, org.id(), created ? "first start" : "parley init"))
                    : Optional.empty();
            return new Tenancy(org.id(), ws.id(), assistantId, key, created);
        });
    }
}
