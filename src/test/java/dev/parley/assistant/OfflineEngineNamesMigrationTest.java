package dev.parley.assistant;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.config.ConfigLoader;
import dev.parley.store.Database;
import dev.parley.support.TestPostgres;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Before V8 the offline engines accepted any model or voice name and ignored it; such assistants
 * must stay readable (and keep what they really used) once those names are refused.
 */
@Tag("db")
class OfflineEngineNamesMigrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void assistantsSavedWithNamesTheEnginesNeverHadAreMigratedToTheNamesTheyUsed() throws Exception {
        String url = TestPostgres.newDatabaseUrl();
        String jdbc = "jdbc:" + url.replace("postgres@", "");
        Flyway.configure().dataSource(jdbc, "postgres", "").locations("classpath:db/migration").target("7").load().migrate();
        // The schema as version 7 left it, with rows as that version accepted them.
        try (var c = java.sql.DriverManager.getConnection(jdbc, "postgres", ""); var st = c.createStatement()) {
            st.execute("INSERT INTO organizations (id, name) VALUES ('6b0500000000000000000001', 'o')");
            st.execute("INSERT INTO workspaces (id, organization_id, name) VALUES ('6b0500000000000000000002', '6b0500000000000000000001', 'w')");
            st.execute("""
                    INSERT INTO assistants (id, workspace_id, name, config) VALUES
                      ('6b0500000000000000000003', '6b0500000000000000000002', 'offline', '{"voice": {"provider": "freetts",
                        "voiceId": "alan", "model": "whatever"}, "transcriber": {"provider": "sphinx", "model": "en-gb"},
                        "model": {"provider": "flow", "model": "gpt-4o"}}'),
                      ('6b0500000000000000000004', '6b0500000000000000000002', 'cloud', '{"voice": {"provider": "elevenlabs",
                        "voiceId": "abc123", "model": "eleven_turbo_v2"}}')""");
        }

        try (Database db = Database.open(ConfigLoader.of(Map.of(ConfigLoader.DATABASE_URL, url)), true, null)) {
            Map<String, AssistantConfig> configs = new java.util.HashMap<>();
            db.jdbi().useHandle(h -> h.createQuery("SELECT name, config::text AS config FROM assistants").mapToMap().forEach(row -> {
                try {
                    configs.put((String) row.get("name"), AssistantConfigJson.parse(JSON.readTree((String) row.get("config"))));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
            AssistantConfig offline = configs.get("offline");
            assertThat(offline.voice().voiceId()).isEqualTo("kevin");
            assertThat(offline.voice().model()).isEqualTo("kevin-8khz");
            assertThat(offline.transcriber().model()).isEqualTo("en-us");
            assertThat(offline.model().model()).isEqualTo("default");
            assertThat(configs.get("cloud").voice().voiceId()).as("cloud providers keep their names").isEqualTo("abc123");
        }
    }
}
