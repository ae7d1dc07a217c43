package dev.parley.assistant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.ai.KeyedProvider;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Assistants in PostgreSQL. Deleting keeps the row (calls refer to it) and hides it. */
public final class AssistantStore {
    private static final String COLUMNS = "id, workspace_id, name, enabled, config::text AS config, created_at, updated_at, seq";
    private final Jdbi jdbi;
    private final ObjectMapper json;

    public AssistantStore(Jdbi jdbi, ObjectMapper json) {
        this.jdbi = jdbi;
        this.json = json;
    }

    record Row(Assistant assistant, long seq) {}

    public void insert(Handle h, Assistant a) {
        h.createUpdate("""
                        INSERT INTO assistants (id, workspace_id, name, enabled, config, flow_variables, required_keys,
                                                created_at, updated_at)
                        VALUES (:id, :ws, :name, :enabled, CAST(:config AS jsonb), :vars, CAST(:keys AS jsonb), :at, :at)""")
                .bind("id", a.id()).bind("ws", a.workspaceId()).bind("name", a.name()).bind("enabled", a.enabled())
                .bind("config", AssistantConfigJson.write(a.config()).toString()).bind("at", a.createdAt())
                .bindArray("vars", String.class, flowVariables(a.config()))
                .bind("keys", requiredKeys(a.config()))
                .execute();
    }

    public void insert(Assistant a) {
        jdbi.useHandle(h -> insert(h, a));
    }

    public Optional<Assistant> find(String workspaceId, String id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS
                        + " FROM assistants WHERE id = :id AND workspace_id = :ws AND deleted_at IS NULL")
                .bind("id", id).bind("ws", workspaceId)
                .map((rs, ctx) -> row(rs).assistant()).findOne());
    }

    /** Newest first; {@code beforeSeq} is the cursor of the previous page, or {@code Long.MAX_VALUE}. */
    List<Row> page(String workspaceId, long beforeSeq, int limit) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " " + """
                         FROM assistants WHERE workspace_id = :ws AND deleted_at IS NULL AND seq < :before
                         ORDER BY seq DESC LIMIT :limit""")
                .bind("ws", workspaceId).bind("before", beforeSeq).bind("limit", limit)
                .map((rs, ctx) -> row(rs)).list());
    }

    boolean update(Assistant a) {
        return jdbi.withHandle(h -> h.createUpdate("""
                        UPDATE assistants SET name = :name, enabled = :enabled, config = CAST(:config AS jsonb),
                               flow_variables = :vars, required_keys = CAST(:keys AS jsonb), updated_at = :at
                        WHERE id = :id AND workspace_id = :ws AND deleted_at IS NULL""")
                .bind("id", a.id()).bind("ws", a.workspaceId()).bind("name", a.name()).bind("enabled", a.enabled())
                .bind("config", AssistantConfigJson.write(a.config()).toString()).bind("at", a.updatedAt())
                .bindArray("vars", String.class, flowVariables(a.config()))
                .bind("keys", requiredKeys(a.config()))
                .execute() == 1);
    }

    boolean delete(String workspaceId, String id) {
        return jdbi.withHandle(h -> h.createUpdate(
                        "UPDATE assistants SET deleted_at = now() WHERE id = :id AND workspace_id = :ws AND deleted_at IS NULL")
                .bind("id", id).bind("ws", workspaceId).execute() == 1);
    }

    public Optional<String> anyInWorkspace(Handle h, String workspaceId) {
        return h.createQuery("SELECT id FROM assistants WHERE workspace_id = :ws AND deleted_at IS NULL ORDER BY seq LIMIT 1")
                .bind("ws", workspaceId).mapTo(String.class).findOne();
    }

    /** Kept beside the config so accepting a call can check the request's variables in SQL (see CallInserts). */
    private static List<String> flowVariables(AssistantConfig config) {
        return config.flow().map(f -> List.copyOf(f.variables())).orElse(List.of());
    }

    /**
     * Works out {@code required_keys} for assistants saved before it existed (V11) or by an older
     * node; run at start, before the API takes calls. Every node may run it at once: each writes
     * the same value, and only where it is still missing.
     */
    public int fillRequiredKeys() {
        return jdbi.withHandle(h -> {
            List<Assistant> missing = h.createQuery("SELECT " + COLUMNS + " FROM assistants WHERE required_keys IS NULL")
                    .map((rs, ctx) -> row(rs).assistant()).list();
            for (Assistant a : missing) {
                h.createUpdate("UPDATE assistants SET required_keys = CAST(:keys AS jsonb) WHERE id = :id AND required_keys IS NULL")
                        .bind("keys", requiredKeys(a.config())).bind("id", a.id()).execute();
            }
            return missing.size();
        });
    }

    /**
     * The providers whose API key the assistant's calls need, each with the first field that uses
     * it ({@code {"openai": "config.model"}}): what accepting a call checks against the workspace's
     * and the node's keys (see CallInserts). Only uses at the provider's own service count: a key for
     * another server is scoped to it and never required ({@link KeyedProvider#needsKey}). Fallbacks
     * count: one that cannot work is a misconfiguration.
     */
    private String requiredKeys(AssistantConfig config) {
        ObjectNode keys = json.createObjectNode();
        for (AssistantConfig.ProviderUse use : config.networkProviders()) {
            KeyedProvider.of(use.provider()).filter(p -> p.needsKey(use.baseUrl()))
                    .filter(p -> !keys.has(p.name())).ifPresent(p -> keys.put(p.name(), use.field()));
        }
        return keys.toString();
    }

    private Row row(ResultSet rs) throws SQLException {
        AssistantConfig config;
        try {
            config = AssistantConfigJson.parse(json.readTree(rs.getString("config")));
        } catch (IOException e) {
            throw new SQLException("assistant " + rs.getString("id") + " has unreadable config", e);
        }
        Assistant a = new Assistant(rs.getString("id"), rs.getString("workspace_id"), rs.getString("name"),
                rs.getBoolean("enabled"), config, rs.getTimestamp("created_at").toInstant(),
                rs.getTimestamp("updated_at").toInstant());
        return new Row(a, rs.getLong("seq"));
    }
}
