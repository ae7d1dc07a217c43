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

    @Test
    void telephonySettings() {
        ParleyConfig.Telephony t = ConfigLoader.of(Map.of()).telephony();
        assertThat(t.sipHost()).isEqualTo("127.0.0.1");
        assertThat(t.sipPort()).isEqualTo(5060);
        assertThat(t.externalHost()).as("defaults to the listen host").isEqualTo("127.0.0.1");
        assertThat(t.trunk()).as("no trunk: the sandbox").isEmpty();
        assertThat(t.dialerEnabled()).isTrue();
        ParleyConfig.Telephony natted = ConfigLoader.of(Map.of(ConfigLoader.SIP_LISTEN, "0.0.0.0:5070",
                ConfigLoader.SIP_EXTERNAL_ADDRESS, "203.0.113.7", ConfigLoader.SIP_TRUNK, "sip.example.net:5060",
                ConfigLoader.RTP_PORTS, "20000-20100")).telephony();
        assertThat(natted.externalHost()).isEqualTo("203.0.113.7");
        assertThat(natted.trunk()).hasValue("sip.example.net:5060");
        assertThat(natted.rtpFirst()).isEqualTo(20000);
        assertThatThrownBy(() -> ConfigLoader.of(Map.of(ConfigLoader.SIP_LISTEN, "5060"))).hasMessageContaining("host:port");
        assertThatThrownBy(() -> ConfigLoader.of(Map.of(ConfigLoader.RTP_PORTS, "30000-20000"))).hasMessageContaining("rtp.ports");
        assertThatThrownBy(() -> ConfigLoader.of(Map.of(ConfigLoader.SIP_TRUNK, "sip:trunk example"))).hasMessageContaining("sip.trunk");
        assertThatThrownBy(() -> ConfigLoader.of(Map.of(ConfigLoader.DIALER_ENABLED, "yes"))).hasMessageContaining("dialer.enabled");
    }
}
