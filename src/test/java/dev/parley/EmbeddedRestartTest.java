package dev.parley;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.config.ConfigLoader;
import dev.parley.config.ParleyConfig;
import dev.parley.store.Database;
import dev.parley.support.Http;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded default: a real PostgreSQL whose files live under the data dir and survive restarts. */
@Tag("db")
class EmbeddedRestartTest {

    @TempDir
    Path dataDir;

    private ParleyConfig config() {
        // API and storage only: this test is about restarts, not dialing.
        return ConfigLoader.of(Map.of(ConfigLoader.HTTP_PORT, "0", ConfigLoader.DATA_DIR, dataDir.toString(),
                ConfigLoader.DIALER_ENABLED, "false"));
    }

    @Test
    void callsAndKeysSurviveARestartAndInitWorksWhileServing() {
        Bootstrap.Tenancy tenancy;
        String callId;
        try (ParleyApp app = ParleyApp.start(config())) {
            tenancy = Bootstrap.firstStart(app.database()).orElseThrow();
            assertThat(Bootstrap.firstStart(app.database())).as("only the very first start creates defaults").isEmpty();
            Http http = new Http(app.port());
            callId = http.request("POST", "/v1/admin/assistant/call").headers(auth(tenancy))
                    .json("{\"assistant_id\":\"" + tenancy.assistantId() + "\",\"to_number\":\"+14155550123\"}")
                    .send().json().at("/data/call_id").asText();

            // 'parley init' while serve runs: it borrows the running server's database.
            Bootstrap.Tenancy fromInit;
            try (Database tool = Database.open(config(), true, null)) {
                fromInit = Bootstrap.init(tool);
            }
            assertThat(fromInit.organizationId()).isEqualTo(tenancy.organizationId());
            assertThat(http.request("GET", "/v1/admin/assistant/call/" + callId).headers(auth(fromInit)).send().status())
                    .as("the key init printed works on the running server").isEqualTo(200);

            assertThatThrownBy(() -> ParleyApp.start(config()))
                    .as("a second serve on the same data dir refuses clearly")
                    .hasMessageContaining("already serving");
        }
        assertThat(Files.isDirectory(dataDir.resolve("postgres"))).isTrue();

        try (ParleyApp again = ParleyApp.start(config())) {
            Http http = new Http(again.port());
            Http.Response r = http.request("GET", "/v1/admin/assistant/call/" + callId).headers(auth(tenancy)).send();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().at("/data/status").asText()).isEqualTo("queued");
        }

        // init with no server running starts the database itself, and stops it again.
        try (Database tool = Database.open(config(), true, null)) {
            assertThat(Bootstrap.init(tool).workspaceId()).isEqualTo(tenancy.workspaceId());
        }
    }

    private static Map<String, String> auth(Bootstrap.Tenancy t) {
        return Map.of("workspace", t.workspaceId(), "organization", t.organizationId(),
                "Authorization", "Bearer " + t.apiKey().orElseThrow());
    }
}
