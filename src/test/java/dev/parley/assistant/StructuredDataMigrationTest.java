package dev.parley.assistant;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.config.ConfigLoader;
import dev.parley.store.Database;
import dev.parley.support.TestPostgres;
import java.util.HashMap;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Before V12 structured_data took any array of objects; such assistants must stay readable once the
 * fields are checked, keeping lists that pass and setting the others aside without losing them.
 */
@Tag("db")
class StructuredDataMigrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void listsThatBreakTheNewRulesMoveToMetadataAndEveryAssistantStaysReadable() throws Exception {
        String url = TestPostgres.newDatabaseUrl();
        String jdbc = "jdbc:" + url.replace("postgres@", "");
        Flyway.configure().dataSource(jdbc, "postgres", "").locations("classpath:db/migration").target("10").load().migrate();
        Map<String, String> before = new HashMap<>();
        before.put("valid", """
                [{"name": "confirmed", "type": "boolean", "description": null},
                 {"name": "mood", "type": "enum", "enum": ["happy", "angry"], "description": "how they sounded"}]""");
        before.put("unknown_key", "[{\"name\": \"a\", \"type\": \"string\", \"format\": \"date\"}]");
        before.put("duplicate", "[{\"name\": \"a\", \"type\": \"string\"}, {\"name\": \"a\", \"type\": \"number\"}]");
        before.put("scalar", "[{\"name\": \"a\", \"type\": \"string\"}, \"b\"]");
        before.put("enum_without_values", "[{\"name\": \"a\", \"type\": \"enum\", \"enum\": \"x\"}]");
        before.put("values_without_enum", "[{\"name\": \"a\", \"type\": \"string\", \"enum\": [\"x\"]}]");
        before.put("bad_name", "[{\"name\": \"first name\", \"type\": \"string\"}]");
        before.put("missing_type", "[{\"name\": \"a\"}]");
        before.put("empty", "[]");
        try (var c = java.sql.DriverManager.getConnection(jdbc, "postgres", ""); var st = c.createStatement()) {
            st.execute("INSERT INTO organizations (id, name) VALUES ('6b0500000000000000000001', 'o')");
            st.execute("INSERT INTO workspaces (id, organization_id, name) VALUES ('6b0500000000000000000002', '6b0500000000000000000001', 'w')");
            int n = 10;
            for (var e : before.entrySet()) {
                st.execute("INSERT INTO assistants (id, workspace_id, name, config) VALUES ('6b05000000000000000000" + n++
                        + "', '6b0500000000000000000002', '" + e.getKey() + "', '{\"metadata\": {\"team\": \"sales\"}, \"structured_data\": "
                        + e.getValue() + "}')");
            }
        }

        try (Database db = Database.open(ConfigLoader.of(Map.of(ConfigLoader.DATABASE_URL, url)), true, null)) {
            Map<String, AssistantConfig> configs = new HashMap<>();
            db.jdbi().useHandle(h -> h.createQuery("SELECT name, config::text AS config FROM assistants").mapToMap().forEach(row -> {
                try {
                    configs.put((String) row.get("name"), AssistantConfigJson.parse(JSON.readTree((String) row.get("config"))));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
            assertThat(configs).hasSize(before.size());
            assertThat(StructuredFields.of(configs.get("valid").structuredData())).containsExactly(
                    new StructuredField.Flag("confirmed", java.util.Optional.empty()),
                    new StructuredField.Choice("mood", java.util.Optional.of("how they sounded"), java.util.List.of("happy", "angry")));
            assertThat(configs.get("valid").metadata().has("structured_data_before_v12")).isFalse();
            for (String name : before.keySet()) {
                if (name.equals("valid") || name.equals("empty")) {
                    continue;
                }
                AssistantConfig moved = configs.get(name);
                assertThat(moved.structuredData()).as(name).isEmpty();
                JsonNode kept = moved.metadata().get("structured_data_before_v12");
                assertThat(kept).as(name + " is kept aside").isEqualTo(JSON.readTree(before.get(name)));
                assertThat(moved.metadata().get("team").asText()).as(name).isEqualTo("sales");
            }
            assertThat(configs.get("empty").metadata().has("structured_data_before_v12")).isFalse();
        }
    }
}
