package dev.parley.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.config.ConfigLoader;
import dev.parley.config.ParleyConfig;
import dev.parley.error.Problem;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class WebhookUrlPolicyTest {
    /** Development mode is the embedded database; "false" means an external one. */
    static WebhookUrlPolicy policy(String devMode, String allowed) {
        Map<String, String> settings = new java.util.HashMap<>(Map.of(ConfigLoader.WEBHOOK_ALLOWED_HOSTS, allowed));
        if (devMode.equals("false")) {
            settings.put(ConfigLoader.DATABASE_URL, "postgresql://db.internal/parley");
        }
        return new WebhookUrlPolicy(ConfigLoader.of(settings).webhooks());
    }

    @Test
    void privateLinkLocalAndMetadataAddressesAreRefusedAtAcceptance() {
        WebhookUrlPolicy p = policy("false", "");
        for (String url : List.of("https://169.254.169.254/latest/meta-data", "https://10.1.2.3/h", "https://172.16.0.1/h",
                "https://192.168.1.10/h", "https://100.64.0.1/h", "https://0.0.0.0/h", "https://[fd00:ec2::254]/h",
                "https://[fe80::1]/h", "https://[::ffff:10.0.0.1]/h", "https://127.0.0.1/h", "https://localhost/h",
                "https://224.0.0.1/h", "http://example.com/h")) {
            assertThatThrownBy(() -> p.checkAccepted("webhook_url", url)).as(url).isInstanceOf(Problem.class);
        }
        assertThat(p.checkAccepted("webhook_url", "https://hooks.example.com/parley")).isNotNull();
        assertThat(p.checkAccepted("webhook_url", "https://93.184.216.34/h")).isNotNull();
    }

    @Test
    void developmentModeAllowsPlainHttpToLoopbackOnly() {
        WebhookUrlPolicy p = policy("true", "");
        assertThat(p.checkAccepted("webhook_url", "http://127.0.0.1:9000/h")).isNotNull();
        assertThat(p.checkAccepted("webhook_url", "http://localhost:9000/h")).isNotNull();
        assertThatThrownBy(() -> p.checkAccepted("webhook_url", "http://example.com/h")).hasMessageContaining("https://");
        assertThatThrownBy(() -> p.checkAccepted("webhook_url", "https://169.254.169.254/")).hasMessageContaining("link-local");
    }

    @Test
    void theAllowListOpensNamedHostsAndBlocks() {
        WebhookUrlPolicy p = policy("false", "10.0.0.0/8, hooks.internal");
        assertThat(p.checkAccepted("webhook_url", "https://10.20.30.40/h")).isNotNull();
        assertThat(p.checkAccepted("webhook_url", "http://hooks.internal/h")).isNotNull();
        assertThatThrownBy(() -> p.checkAccepted("webhook_url", "https://192.168.0.1/h")).isInstanceOf(Problem.class);
        assertThatThrownBy(() -> policy("false", "10.0.0.0/99")).hasMessageContaining("webhook.allowed.hosts");
    }

    @Test
    void namesAreCheckedAgainOnWhatTheyResolveToAtDelivery() {
        assertThat(policy("false", "").refusalAtDelivery(URI.create("https://localhost/h")))
                .hasValueSatisfying(why -> assertThat(why).contains("SSRF").contains("loopback"));
        assertThat(policy("true", "").refusalAtDelivery(URI.create("http://localhost/h"))).isEmpty();
        assertThat(policy("false", "localhost").refusalAtDelivery(URI.create("https://localhost/h"))).isEmpty();
    }

    @Test
    void devModeIsTheEmbeddedDatabaseAndTheAllowListOpensPlainHttp() {
        assertThat(ConfigLoader.of(Map.of()).webhooks().devMode()).as("embedded").isTrue();
        assertThat(ConfigLoader.of(Map.of(ConfigLoader.DATABASE_URL, "postgresql://h/db")).webhooks().devMode()).isFalse();
        assertThat(policy("false", "127.0.0.1").checkAccepted("webhook_url", "http://127.0.0.1:9000/h")).isNotNull();
        assertThatThrownBy(() -> policy("false", "").checkAccepted("webhook_url", "http://127.0.0.1:9000/h"))
                .hasMessageContaining("webhook.allowed.hosts");
        assertThatThrownBy(() -> ConfigLoader.of(Map.of(ConfigLoader.WEBHOOK_LEASE_MS, "1000", ConfigLoader.WEBHOOK_TIMEOUT_MS, "5000")))
                .hasMessageContaining("webhook.lease.ms");
    }
}
