package dev.parley.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.config.ConfigLoader;
import dev.parley.error.Problem;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class BaseUrlPolicyTest {
    /** Development mode is the embedded database; {@code devMode = false} means an external one. */
    static BaseUrlPolicy policy(boolean devMode, String allowed) {
        Map<String, String> settings = new HashMap<>(Map.of(ConfigLoader.PROVIDERS_ALLOWED_HOSTS, allowed));
        if (!devMode) {
            settings.put(ConfigLoader.DATABASE_URL, "postgresql://db.internal/parley");
        }
        return new BaseUrlPolicy(ConfigLoader.of(settings).providers());
    }

    @Test
    void developmentModeAllowsPlainHttpToThisMachineOnly() {
        BaseUrlPolicy dev = policy(true, "");
        assertThat(dev.checkAccepted("config.model.base_url", "http://127.0.0.1:11434/v1")).isNotNull();
        assertThat(dev.checkAccepted("config.model.base_url", "http://localhost:11434/v1")).isNotNull();
        assertThatThrownBy(() -> dev.checkAccepted("config.model.base_url", "http://models.example.com/v1"))
                .hasMessageContaining("http://127.0.0.1:11434/v1");
        assertThatThrownBy(() -> policy(false, "").checkAccepted("config.model.base_url", "http://127.0.0.1:11434/v1"))
                .isInstanceOf(Problem.class).hasMessageContaining("providers.allowed.hosts");
    }

    @Test
    void internalAddressesNeedTheProvidersOwnAllowListNotTheWebhooks() {
        Map<String, String> settings = Map.of(ConfigLoader.DATABASE_URL, "postgresql://db.internal/parley",
                ConfigLoader.WEBHOOK_ALLOWED_HOSTS, "10.0.0.0/8");
        BaseUrlPolicy webhooksOpened = new BaseUrlPolicy(ConfigLoader.of(settings).providers());
        assertThatThrownBy(() -> webhooksOpened.checkAccepted("config.voice.base_url", "https://10.1.2.3"))
                .hasMessageContaining("private").hasMessageContaining("providers.allowed.hosts");

        BaseUrlPolicy lan = policy(false, "10.0.0.0/8, gpu-box.lan");
        assertThat(lan.checkAccepted("config.model.base_url", "http://10.1.2.3:8000/v1")).isNotNull();
        assertThat(lan.checkAccepted("config.model.base_url", "http://gpu-box.lan:8000/v1")).isNotNull();
        assertThatThrownBy(() -> lan.checkAccepted("config.model.base_url", "https://169.254.169.254/v1"))
                .hasMessageContaining("link-local");
        assertThatThrownBy(() -> policy(false, "10.0.0.0/40")).hasMessageContaining("providers.allowed.hosts");
    }

    @Test
    void beforeConnectingTheResolvedAddressesAreChecked() {
        assertThatThrownBy(() -> policy(false, "").checkBeforeConnect(URI.create("https://localhost:8000/v1")))
                .isInstanceOf(BaseUrlPolicy.Refused.class).hasMessageContaining("loopback")
                .hasMessageContaining("providers.allowed.hosts");
        assertThat(policy(true, "").checkBeforeConnect(URI.create("http://localhost:8000/v1")))
                .isEqualTo(URI.create("http://localhost:8000/v1"));
        assertThat(policy(false, "localhost").checkBeforeConnect(URI.create("http://localhost:8000/v1"))).isNotNull();
    }

    @Test
    void endpointsUseTheProvidersOwnHostOrTheCheckedBaseUrlWithTheKey() {
        Endpoints endpoints = new Endpoints((ws, p, target) -> p.equals("deepgram") && target.getHost().equals("api.deepgram.com")
                ? Optional.of("dg-secret") : Optional.empty(), policy(false, ""));
        Endpoint deepgram = endpoints.of("ws", "deepgram", Optional.empty());
        assertThat(deepgram.baseUrl()).isEqualTo(URI.create("https://api.deepgram.com"));
        assertThat(deepgram.apiKey()).contains("dg-secret");
        assertThat(deepgram.webSocket("/v1/listen")).isEqualTo(URI.create("wss://api.deepgram.com/v1/listen"));
        assertThat(endpoints.of("ws", "openai", Optional.empty()).resolve("chat/completions"))
                .isEqualTo(URI.create("https://api.openai.com/v1/chat/completions"));
        assertThatThrownBy(() -> endpoints.of("ws", "openai", Optional.of("http://127.0.0.1:11434/v1")))
                .isInstanceOf(BaseUrlPolicy.Refused.class);
        assertThat(deepgram.toString()).doesNotContain("dg-secret").contains("key set");
        // The key source is asked about the URL the request goes to: a base_url elsewhere gets nothing.
        assertThat(policy(true, "").checkBeforeConnect(URI.create("http://127.0.0.1:8080"))).isNotNull();
        Endpoints dev = new Endpoints((ws, p, target) -> target.getHost().equals("api.deepgram.com")
                ? Optional.of("dg-secret") : Optional.empty(), policy(true, ""));
        assertThat(dev.of("ws", "deepgram", Optional.of("http://127.0.0.1:8080")).apiKey()).isEmpty();
    }

    @Test
    void onlyAProvidersOwnServiceNeedsAKey() {
        assertThat(KeyedProvider.openai.needsKey(Optional.empty())).isTrue();
        assertThat(KeyedProvider.openai.needsKey(Optional.of("https://API.openai.com/v1"))).isTrue();
        assertThat(KeyedProvider.openai.needsKey(Optional.of("https://api.openai.com:443/v2"))).isTrue();
        assertThat(KeyedProvider.openai.needsKey(Optional.of("http://127.0.0.1:11434/v1"))).isFalse();
        assertThat(KeyedProvider.openai.needsKey(Optional.of("https://openrouter.ai/api/v1"))).isFalse();
        // Same host, another scheme or port: another server as far as keys go, so not the provider's.
        assertThat(KeyedProvider.openai.needsKey(Optional.of("http://api.openai.com/v1"))).isFalse();
        assertThat(KeyedProvider.openai.needsKey(Optional.of("https://api.openai.com:8443/v1"))).isFalse();
        assertThat(KeyedProvider.deepgram.needsKey(Optional.of("http://127.0.0.1:8080"))).isFalse();
        assertThat(KeyedProvider.deepgram.needsKey(Optional.of("https://api.deepgram.com"))).isTrue();
        assertThat(KeyedProvider.elevenlabs.needsKey(Optional.empty())).isTrue();
        assertThat(KeyedProvider.elevenlabs.isOwn(URI.create("https://API.ElevenLabs.io/v1/text-to-speech"))).isTrue();
        assertThat(KeyedProvider.elevenlabs.isOwn(URI.create("https://api.elevenlabs.io.evil.example"))).isFalse();
        assertThat(KeyedProvider.elevenlabs.isOwn(URI.create("https://user@api.elevenlabs.io@evil.example"))).isFalse();
        assertThat(KeyedProvider.of(" OpenAI ")).contains(KeyedProvider.openai);
        assertThat(KeyedProvider.of("twilio")).isEmpty();
    }
}
