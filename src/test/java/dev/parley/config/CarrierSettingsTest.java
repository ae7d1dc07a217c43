package dev.parley.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class CarrierSettingsTest {

    @Test
    void carriersDefaultToTheirOwnApisAndNoPublicUrl() {
        ParleyConfig.Carriers c = ConfigLoader.of(Map.of()).carriers();
        assertThat(c.publicUrl()).isEmpty();
        assertThat(c.twilioApi()).isEqualTo(URI.create("https://api.twilio.com"));
        assertThat(c.telnyxApi()).isEqualTo(URI.create("https://api.telnyx.com"));
    }

    @Test
    void publicUrlComesFromTheEnvironmentWithoutItsTrailingSlash() {
        ParleyConfig c = ConfigLoader.load(Optional.empty(), Map.of("PARLEY_PUBLIC_URL", "https://abc.tunnel.example/"), Map.of());
        assertThat(c.carriers().publicUrl()).contains(URI.create("https://abc.tunnel.example"));
        assertThat(ConfigLoader.of(Map.of(ConfigLoader.PUBLIC_URL, "http://127.0.0.1:8080")).carriers().publicUrl())
                .as("plain http to this machine, for tests").contains(URI.create("http://127.0.0.1:8080"));
    }

    @Test
    void aPublicUrlCarriersCannotUseIsRefusedWithTheFix() {
        assertThatThrownBy(() -> ConfigLoader.of(Map.of(ConfigLoader.PUBLIC_URL, "http://parley.example.com")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("public.url").hasMessageContaining("https");
        assertThatThrownBy(() -> ConfigLoader.of(Map.of(ConfigLoader.PUBLIC_URL, "parley.example.com")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("public.url");
        assertThatThrownBy(() -> ConfigLoader.of(Map.of(ConfigLoader.TWILIO_API_URL, "https://x.example/?a=b")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("twilio.api.url");
    }
}
