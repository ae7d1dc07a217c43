package dev.parley.ai.openai;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.Timeout;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The node's SDK clients, one per server, key and timings, shared by every call that uses them.
 * A client holds OkHttp's connection pool: shared, a call's first request reuses a connection kept
 * alive by earlier calls instead of paying TCP and TLS handshakes before its first word (and a
 * client per call cost CPU in its setup: bench/ai-turns.sh). Clients are never closed here: one
 * dropped from the bounded map may still be streaming for a call, and an idle one holds only
 * daemon threads that end by themselves.
 */
final class SdkClients {
    private static final int MAX = 256;

    private record Key(String baseUrl, Optional<String> apiKey, Options options) {}

    private static final Map<Key, OpenAIClient> CLIENTS = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, OpenAIClient> eldest) {
            return size() > MAX;
        }
    };

    private SdkClients() {}

    static synchronized OpenAIClient of(Route route, Options options) {
        Key key = new Key(route.endpoint().baseUrl().toString(), route.endpoint().apiKey(), options);
        return CLIENTS.computeIfAbsent(key, k -> build(k, options));
    }

    private static OpenAIClient build(Key k, Options options) {
        Duration backstop = options.firstChunk().plus(options.betweenChunks()).plusSeconds(5);
        var b = OpenAIOkHttpClient.builder()
                .baseUrl(k.baseUrl())
                .apiKey(k.apiKey().orElse(Failover.NO_KEY))
                .maxRetries(0)
                .timeout(Timeout.builder().connect(options.firstChunk().plusSeconds(1)).read(backstop)
                        .write(backstop).request(Duration.ofMinutes(5)).build());
        if (k.apiKey().isEmpty()) {
            b.removeHeaders("Authorization"); // "no account anywhere": nothing to send
        }
        return b.build();
    }
}
