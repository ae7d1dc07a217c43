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
    openai("https://api.openai.com/v1", KeyNeeded.AT_OWN_HOST),
    deepgram("https://api.deepgram.com", KeyNeeded.ALWAYS),
    elevenlabs("https://api.elevenlabs.io", KeyNeeded.ALWAYS);

    /** When a call needs a key for this provider. */
    enum KeyNeeded {
        ALWAYS,
        /**
         * Only at the provider's own host: OpenAI's API is also spoken by local servers (Ollama,
         * llama.cpp, vLLM) that need no key, reached through a {@code base_url} of their own.
         */
        AT_OWN_HOST
    }

    /** Longer than any real key; a longer value is a paste gone wrong. */
    public static final int MAX_KEY_LENGTH = 1_000;

    private final URI ownBaseUrl;
    private final KeyNeeded keyNeeded;

    KeyedProvider(String ownBaseUrl, KeyNeeded keyNeeded) {
        this.ownBaseUrl = URI.create(ownBaseUrl);
        this.keyNeeded = keyNeeded;
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

    /** Whether a call reaching this provider at {@code baseUrl} (empty: its own) needs a key. */
    public boolean needsKey(Optional<String> baseUrl) {
        return switch (keyNeeded) {
            case ALWAYS -> true;
            case AT_OWN_HOST -> baseUrl.map(KeyedProvider::host).map(h -> h.equalsIgnoreCase(ownBaseUrl.getHost()))
                    .orElse(true);
        };
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

    private static String host(String url) {
        String host = URI.create(url.strip()).getHost();
        return host == null ? "" : host;
    }
}
