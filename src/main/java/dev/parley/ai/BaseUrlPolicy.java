package dev.parley.ai;

import dev.parley.config.ParleyConfig;
import dev.parley.egress.AddressGuard;
import java.net.URI;

/**
 * Where a provider's {@code base_url} may point: the SSRF guard ({@link AddressGuard}) with
 * {@code providers.allowed.hosts}, so a model server on the LAN can be opened without opening
 * webhooks to it. Checked when an assistant is saved (a 400 naming the field) and before a call
 * connects, on the addresses the name resolves to then.
 */
public final class BaseUrlPolicy {
    private static final AddressGuard.Wording WORDING = new AddressGuard.Wording("providers.allowed.hosts",
            "a server on this machine, such as http://127.0.0.1:11434/v1",
            "providers are reached at public addresses");
    private final AddressGuard guard;

    public BaseUrlPolicy(ParleyConfig.Providers config) {
        this.guard = new AddressGuard(config.devMode(), config.allowedHosts(), WORDING);
    }

    /**
     * For a {@code base_url} in an assistant's config (syntax already checked by its parser).
     *
     * @param field where it is, e.g. {@code config.model.base_url}
     * @throws dev.parley.error.Problem a 400 naming the field when the URL may never be reached
     */
    public String checkAccepted(String field, String url) {
        return guard.checkAccepted(field, url);
    }

    /**
     * Before a call connects to {@code baseUrl}: the name is resolved now and each address checked,
     * since DNS may have changed since the assistant was saved.
     *
     * @throws Refused when it must not be reached; the call should fail before dialing
     */
    public URI checkBeforeConnect(URI baseUrl) {
        guard.refusalBeforeConnect(baseUrl).ifPresent(why -> {
            throw new Refused("base_url " + why + " (providers.allowed.hosts can open it)");
        });
        return baseUrl;
    }

    /** A {@code base_url} that resolves to an address providers may not be reached at. */
    public static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }
}
