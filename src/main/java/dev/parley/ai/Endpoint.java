package dev.parley.ai;

import java.net.URI;
import java.util.Optional;

/**
 * Where one network provider is reached for one call, and with which key. {@code baseUrl} is written
 * the way that provider's own SDKs take it: OpenAI-style with the version path
 * ({@code https://api.openai.com/v1}), Deepgram and ElevenLabs as scheme and host
 * ({@code https://api.deepgram.com}, WebSocket URLs derived from it, http → ws). The key is absent
 * for a local server that needs none.
 */
public record Endpoint(String provider, URI baseUrl, Optional<String> apiKey) {

    /** {@code path} under the base URL ({@code "chat/completions"}, {@code "/v1/listen"}). */
    public URI resolve(String path) {
        String base = baseUrl.toString();
        String p = path.startsWith("/") ? path.substring(1) : path;
        return URI.create(base.endsWith("/") ? base + p : base + "/" + p);
    }

    /** The same, as a WebSocket URL: http → ws, https → wss. */
    public URI webSocket(String pathAndQuery) {
        URI u = resolve(pathAndQuery);
        String scheme = u.getScheme().equalsIgnoreCase("https") ? "wss" : "ws";
        return URI.create(scheme + u.toString().substring(u.getScheme().length()));
    }

    @Override
    public String toString() {
        return provider + " at " + baseUrl + (apiKey.isPresent() ? " (key set)" : " (no key)");
    }
}
