package dev.parley.ai;

import java.net.URI;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The network providers that take an API key: the one list behind {@code /v1/admin/credentials/{provider}},
 * the node's {@code providers.<name>.api.key} settings and the create-call check. Adding a provider
 * is adding a line here.
 *
 * @param ownBaseUrl where the provider's own service is, written as its SDKs take a base URL
 */
public enum KeyedProvider {
    openai("https://api.openai.com/v1"),
    deepgram("https://api.deepgram.com"),
    elevenlabs("https://api.elevenlabs.io");

    /** Longer than any real key; a longer value is a paste gone wrong. */
    public static final int MAX_KEY_LENGTH = 1_000;

    private final URI ownBaseUrl;
    private final Origin ownOrigin;

    KeyedProvider(String ownBaseUrl) {
        this.ownBaseUrl = URI.create(ownBaseUrl);
        this.ownOrigin = Origin.of(this.ownBaseUrl).orElseThrow();
    }

    public static Optional<KeyedProvider> of(String name) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(p -> p.name().equals(n)).findFirst();
    }

    /** The names, for messages: "openai, deepgram, elevenlabs". */
    public static String names() {
        return String.join(", ", Arrays.stream(values()).map(Enum::name).toList());
    }

    public URI ownBaseUrl() {
        return ownBaseUrl;
    }

    /** The node's setting for a fallback key: {@code providers.openai.api.key}. */
    public String configKey() {
        return "providers." + name() + ".api.key";
    }

    /** Whether {@code url} is this provider's own service (same scheme, host and port), where its unscoped keys go. */
    public boolean isOwn(URI url) {
        return Origin.of(url).filter(ownOrigin::equals).isPresent();
    }

    /**
     * Whether a call reaching this provider at {@code baseUrl} (empty: its own) needs a key. Only
     * the provider's own service is known to: other servers speaking its API (Ollama or vLLM for
     * OpenAI's, a self-hosted Deepgram) often take none, and get only a key scoped to them
     * (see ProviderKeys), so one without is sent no key rather than refused.
     */
    public boolean needsKey(Optional<String> baseUrl) {
        return baseUrl.map(u -> Origin.of(u).filter(ownOrigin::equals).isPresent()).orElse(true);
    }

    /**
     * Why {@code key} cannot be an API key, or empty when it can. Never quotes the key: the answer
     * ends up in responses and start-up errors.
     */
    public static Optional<String> whyNotAKey(String key) {
        if (key.isBlank()) {
            return Optional.of("is empty");
        }
        if (key.length() > MAX_KEY_LENGTH) {
            return Optional.of("is " + key.length() + " characters long; keys are at most " + MAX_KEY_LENGTH);
        }
        if (key.codePoints().anyMatch(Character::isISOControl)) {
            return Optional.of("contains a control character (a line break copied with it?); send the key alone");
        }
        if (!key.strip().equals(key)) {
            return Optional.of("starts or ends with spaces; send the key alone");
        }
        return Optional.empty();
    }
}
