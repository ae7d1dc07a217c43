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

    @Test
    void recordingsStayInPostgresUnlessAnS3UrlNamesABucket() {
        assertThat(ConfigLoader.of(Map.of()).recordings()).isEqualTo(new ParleyConfig.Recordings.InDatabase());
        ParleyConfig.Recordings r = ConfigLoader.load(Optional.empty(), Map.of(
                "PARLEY_RECORDINGS_URL", "s3://parley-recordings/calls/prod/?endpoint=http://127.0.0.1:9000&region=eu-west-1",
                "PARLEY_RECORDINGS_S3_ACCESS_KEY", "AKEXAMPLE", "PARLEY_RECORDINGS_S3_SECRET_KEY", "very/secret+key"), Map.of()).recordings();
        assertThat(r).isEqualTo(new ParleyConfig.Recordings.S3(java.net.URI.create("http://127.0.0.1:9000"), "eu-west-1",
                "parley-recordings", "calls/prod", "AKEXAMPLE", "very/secret+key"));
        assertThat(r.toString()).doesNotContain("very/secret+key");
        ParleyConfig.Recordings.S3 aws = (ParleyConfig.Recordings.S3) ConfigLoader.of(Map.of(ConfigLoader.RECORDINGS_URL, "s3://b-1",
                ConfigLoader.RECORDINGS_S3_ACCESS_KEY, "a", ConfigLoader.RECORDINGS_S3_SECRET_KEY, "s")).recordings();
        assertThat(aws.endpoint().toString()).as("AWS by default").isEqualTo("https://s3.us-east-1.amazonaws.com");
        assertThat(aws.prefix()).isEmpty();
    }

    @Test
    void badRecordingsSettingsNameTheKeyAndTheFixButNeverTheSecret() {
        java.util.function.Function<Map<String, String>, Throwable> refusal = values -> org.assertj.core.api.Assertions
                .catchThrowableOfType(ConfigException.class, () -> ConfigLoader.of(values));
        String secret = "the-secret-9f8e7d";
        Map<String, String> keys = Map.of(ConfigLoader.RECORDINGS_S3_ACCESS_KEY, "AK", ConfigLoader.RECORDINGS_S3_SECRET_KEY, secret);
        java.util.function.Function<String, Map<String, String>> withUrl = url -> {
            Map<String, String> m = new java.util.HashMap<>(keys);
            m.put(ConfigLoader.RECORDINGS_URL, url);
            return m;
        };
        assertThat(refusal.apply(withUrl.apply("s3://?endpoint=http://127.0.0.1:9000")))
                .hasMessageContaining("recordings.url has no bucket").hasMessageContaining("s3://bucket/prefix");
        assertThat(refusal.apply(withUrl.apply("s3:///prefix"))).hasMessageContaining("no bucket");
        assertThat(refusal.apply(withUrl.apply("minio://bucket"))).hasMessageContaining("recordings.url must look like s3://")
                .hasMessageContaining("minio://").hasMessageContaining("empty to keep recordings in PostgreSQL");
        assertThat(refusal.apply(withUrl.apply("s3://My_Bucket"))).hasMessageContaining("not an S3 bucket name");
        assertThat(refusal.apply(withUrl.apply("s3://bucket?endpoint=127.0.0.1:9000"))).hasMessageContaining("endpoint")
                .hasMessageContaining("http://127.0.0.1:9000");
        assertThat(refusal.apply(withUrl.apply("s3://bucket?secret=" + secret))).hasMessageContaining("unknown parameter 'secret'")
                .hasMessageContaining("recordings.s3.secret.key").message().doesNotContain(secret);
        assertThat(refusal.apply(withUrl.apply("s3://AK:" + secret + "@bucket"))).hasMessageContaining("must not carry credentials")
                .message().doesNotContain(secret);
        assertThat(refusal.apply(Map.of(ConfigLoader.RECORDINGS_URL, "s3://bucket", ConfigLoader.RECORDINGS_S3_SECRET_KEY, secret)))
                .hasMessageContaining("recordings.s3.access.key is empty").message().doesNotContain(secret);
        assertThat(refusal.apply(Map.of(ConfigLoader.RECORDINGS_URL, "s3://bucket", ConfigLoader.RECORDINGS_S3_ACCESS_KEY, "AK")))
                .hasMessageContaining("recordings.s3.secret.key is empty");
        assertThat(refusal.apply(Map.of(ConfigLoader.RECORDINGS_S3_SECRET_KEY, secret)))
                .hasMessageContaining("recordings.s3.secret.key is set, but recordings.url is empty").message().doesNotContain(secret);
    }
}
