package dev.parley.assistant;

import com.fasterxml.jackson.databind.ObjectMapper;
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
                        INSERT INTO assistants (id, workspace_id, name, enabled, config, flow_variables, created_at, updated_at)
                        VALUES (:id, :ws, :name, :enabled, CAST(:config AS jsonb), :vars, :at, :at)""")
                .bind("id", a.id()).bind("ws", a.workspaceId()).bind("name", a.name()).bind("enabled", a.enabled())
                .bind("config", AssistantConfigJson.write(a.config()).toString()).bind("at", a.createdAt())
                .bindArray("vars", String.class, flowVariables(a.config()))
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
                               flow_variables = :vars, updated_at = :at
                        WHERE id = :id AND workspace_id = :ws AND deleted_at IS NULL""")
                .bind("id", a.id()).bind("ws", a.workspaceId()).bind("name", a.name()).bind("enabled", a.enabled())
                .bind("config", AssistantConfigJson.write(a.config()).toString()).bind("at", a.updatedAt())
                .bindArray("vars", String.class, flowVariables(a.config()))
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
