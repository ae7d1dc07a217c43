package dev.parley.ai.openai;

import dev.parley.ai.Endpoint;
import dev.parley.assistant.AssistantConfig;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * One OpenAI-compatible server and model a reply may come from: the assistant's {@code model}, then
 * each of its {@code fallbacks}, each with its own base URL, key and settings.
 */
public record Route(Endpoint endpoint, String model, Optional<Double> temperature, Optional<Integer> maxTokens) {
    /** Where {@code provider: openai} goes without a {@code base_url}. */
    public static final URI OPENAI_BASE_URL = URI.create("https://api.openai.com/v1");

    /**
     * The primary model then its fallbacks, in order.
     *
     * @param key the API key for one of them (the workspace's or the node's), empty for a server that needs none
     */
    public static List<Route> of(AssistantConfig.Model model, Function<AssistantConfig.Model, Optional<String>> key) {
        List<Route> out = new ArrayList<>();
        out.add(one(model, key));
        model.fallbacks().forEach(f -> out.add(one(f, key)));
        return List.copyOf(out);
    }

    private static Route one(AssistantConfig.Model m, Function<AssistantConfig.Model, Optional<String>> key) {
        URI base = m.baseUrl().map(URI::create).orElse(OPENAI_BASE_URL);
        return new Route(new Endpoint(m.provider().name(), base, key.apply(m)), m.model(), m.temperature(), m.maxTokens());
    }

    /** For the call's history: which model at which host, never the key. */
    String describe() {
        return model + " at " + endpoint.baseUrl().getHost();
    }
}
