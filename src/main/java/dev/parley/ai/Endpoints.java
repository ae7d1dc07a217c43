package dev.parley.ai;

import java.net.URI;
import java.util.Optional;

/**
 * Builds a call's {@link Endpoint} for one network provider: its {@code base_url} (or the provider's
 * own, {@link KeyedProvider#ownBaseUrl}), re-checked by the SSRF guard on what it resolves to now,
 * and the workspace's key (else the node's). Meant to be called once per provider when a call's
 * providers are built.
 */
public final class Endpoints {
    private final ProviderKeys keys;
    private final BaseUrlPolicy urls;

    public Endpoints(ProviderKeys keys, BaseUrlPolicy urls) {
        this.keys = keys;
        this.urls = urls;
    }

    /**
     * @param provider as the assistant config spells it ({@code openai}, {@code deepgram}, {@code elevenlabs})
     * @param baseUrl the config's {@code base_url}; empty for the provider's own service
     * @throws BaseUrlPolicy.Refused when {@code baseUrl} now resolves to an address providers may not be reached at
     * @throws IllegalArgumentException for a provider that is not a network provider
     */
    public Endpoint of(String workspaceId, String provider, Optional<String> baseUrl) {
        KeyedProvider p = KeyedProvider.of(provider)
                .orElseThrow(() -> new IllegalArgumentException(provider + " is not a network provider"));
        // The provider's own service is a public host chosen here, not by a user: no lookup needed.
        URI base = baseUrl.isPresent() ? urls.checkBeforeConnect(URI.create(baseUrl.get().strip())) : p.ownBaseUrl();
        return new Endpoint(p.name(), base, keys.key(workspaceId, p.name(), base));
    }
}
