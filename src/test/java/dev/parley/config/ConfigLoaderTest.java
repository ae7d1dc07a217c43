package dev.parley.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("unit")
class ConfigLoaderTest {

    @Test
    void defaultsRunEmbeddedOnLoopback8080() {
        ParleyConfig c = ConfigLoader.of(Map.of());
        assertThat(c.http().host()).isEqualTo("127.0.0.1");
        assertThat(c.http().port()).isEqualTo(8080);
        assertThat(c.database().embedded()).isTrue();
        assertThat(c.dataDir().isAbsolute()).isTrue();
        assertThat(c.dataDir().getFileName().toString()).isEqualTo("data");
    }

    @Test
    void precedenceIsFileThenEnvironmentThenCommandLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("parley.properties");
        Files.writeString(file, "http.port=9000\nhttp.host=0.0.0.0\ndatabase.pool.size=8\n");
        ParleyConfig c = ConfigLoader.load(Optional.of(file), Map.of("PARLEY_HTTP_PORT", "9100", "PARLEY_DATABASE_POOL_SIZE", "12"),
                Map.of(ConfigLoader.HTTP_PORT, "9200"));
        assertThat(c.http().port()).isEqualTo(9200);
        assertThat(c.http().host()).isEqualTo("0.0.0.0");
        assertThat(c.database().poolSize()).isEqualTo(12);
    }

    @Test
    void badValuesNameTheKeyAndTheFix(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ConfigLoader.of(Map.of(ConfigLoader.HTTP_PORT, "80a")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.port").hasMessageContaining("whole number");
        assertThatThrownBy(() -> ConfigLoader.of(Map.of(ConfigLoader.HTTP_PORT, "70000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("between 0 and 65535");
        assertThatThrownBy(() -> ConfigLoader.of(Map.of(ConfigLoader.DATABASE_POOL_SIZE, "1")))
                .hasMessageContaining("database.pool.size");
        assertThatThrownBy(() -> ConfigLoader.of(Map.of(ConfigLoader.DATABASE_URL, "mysql://x/y")))
                .hasMessageContaining("postgresql://");
        Path file = dir.resolve("p.properties");
        Files.writeString(file, "http.prot=1\n");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file), Map.of(), Map.of()))
                .hasMessageContaining("http.prot").hasMessageContaining("http.port");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.of(dir.resolve("missing")), Map.of(), Map.of()))
                .hasMessageContaining("does not exist");
    }

    @Test
    void databaseUrlsInLibpqFormBecomeJdbcWithTheSecretApart() {
        DatabaseUrl u = DatabaseUrl.parse("database.url", "postgresql://app:s%40cret@db.internal:6543/parley?sslmode=require");
        assertThat(u.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6543/parley?sslmode=require");
        assertThat(u.user()).isEqualTo("app");
        assertThat(u.password()).isEqualTo("s@cret");
        assertThat(u.toString()).doesNotContain("s@cret");
        assertThat(DatabaseUrl.parse("k", "postgres://h/db").jdbcUrl()).isEqualTo("jdbc:postgresql://h:5432/db");
        assertThatThrownBy(() -> DatabaseUrl.parse("database.url", "postgresql://h:5432/")).hasMessageContaining("database name");
    }
}
