package dev.parley.webhook;

import dev.parley.config.ParleyConfig;
import dev.parley.egress.AddressGuard;
import java.net.URI;
import java.util.Optional;

/**
 * Where events may be sent: the SSRF guard ({@link AddressGuard}) with {@code webhook.allowed.hosts}.
 * Checked when a URL is accepted (a clear 400) and again before every delivery, on the addresses
 * the name resolves to then.
 */
public final class WebhookUrlPolicy {
    private static final AddressGuard.Wording WORDING = new AddressGuard.Wording("webhook.allowed.hosts",
            "a receiver on this machine, such as http://127.0.0.1:9000/hook", "webhooks go to public addresses");
    private final AddressGuard guard;

    public WebhookUrlPolicy(ParleyConfig.Webhooks config) {
        this.guard = new AddressGuard(config.devMode(), config.allowedHosts(), WORDING);
    }

    /** For a URL given through the API: a 400 naming {@code field} when it can never be delivered to. */
    public String checkAccepted(String field, String url) {
        return guard.checkAccepted(field, url);
    }

    /**
     * Before a delivery (or a tool call, which goes out the same way): why it must not be sent, or
     * empty when every address of the host is fine.
     */
    public Optional<String> refusalAtDelivery(URI uri) {
        return guard.refusalBeforeConnect(uri);
    }
}
