package dev.parley.ai;

import java.net.URI;
import java.util.Optional;

/**
 * The API key a request to a network provider carries, decided by where it goes: the key must
 * never reach a server it was not meant for, since a {@code base_url} is chosen by whoever can edit
 * an assistant, and a key sent to their server is a key they can read. Keys are only ever handed
 * to the provider's client, never logged or returned.
 */
@FunctionalInterface
public interface ProviderKeys {
    /**
     * @param provider as the assistant config spells it ({@code openai}, {@code deepgram}, {@code elevenlabs})
     * @param target the base URL the request goes to: the provider's own ({@link KeyedProvider#ownBaseUrl}) or a {@code base_url}
     * @return the key meant for that target, or empty: the request then goes without one
     */
    Optional<String> key(String workspaceId, String provider, URI target);

    ProviderKeys NONE = (workspace, provider, target) -> Optional.empty();
}
