package dev.parley.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.ai.KeyedProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's provider keys and base_url allow-list: typed, checked at start, never printed. */
@Tag("unit")
class ProviderSettingsTest {
    static final String SECRET = "sk-node-0123456789abcdef";

    @Test
    void keysComeFromTheFileOrTheEnvironmentAndAreNeverPrinted(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("parley.properties");
        Files.writeString(file, "providers.openai.api.key = " + SECRET + "\nproviders.allowed.hosts = 10.0.0.0/8, gpu.lan\n");
        ParleyConfig config = ConfigLoader.load(Optional.of(file),
                Map.of("PARLEY_PROVIDERS_DEEPGRAM_API_KEY", "dg-env-key\n", "PARLEY_SECRETS_MASTER_KEY",
                        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="), Map.of());
        assertThat(config.providers().apiKeys()).containsEntry(KeyedProvider.openai, SECRET)
                .containsEntry(KeyedProvider.deepgram, "dg-env-key").doesNotContainKey(KeyedProvider.elevenlabs);
        assertThat(config.providers().allowedHosts()).containsExactly("10.0.0.0/8", "gpu.lan");
        assertThat(config.toString()).doesNotContain(SECRET).doesNotContain("dg-env-key")
                .doesNotContain("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").contains("apiKeys=[deepgram, openai]");
    }

    @Test
    void aKeyThatCannotBeOneStopsTheStartWithoutBeingQuoted() {
        assertThatThrownBy(() -> ConfigLoader.of(Map.of("providers.elevenlabs.api.key", "el-abc\u0007def")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("providers.elevenlabs.api.key")
                .hasMessageContaining("control character").hasMessageNotContaining("el-abc");
        assertThatThrownBy(() -> ConfigLoader.of(Map.of("providers.openai.api.key", "k".repeat(1001))))
                .hasMessageContaining("providers.openai.api.key");
        assertThat(ConfigLoader.of(Map.of()).providers().apiKeys()).isEmpty();
    }
}
