package dev.parley.ai.openai;

import com.openai.client.OpenAIClient;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.parley.ai.ProviderFailure;
import dev.parley.ai.Usage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request of a reply, on the first route that answers. The rule, in order of the routes (the
 * one that last worked first, so a dead primary is not waited for on every turn):
 *
 * <ul>
 *   <li>a retryable failure ({@link ProviderFailure#retryable}) before anything was said is tried
 *       once more on the same route, after its {@code Retry-After} when that is short; a stall is
 *       not, when a fallback is left, since waiting for it twice is the dead air we are avoiding;
 *   <li>any other failure goes to the next route at once;
 *   <li>once a clause has been said, a failure ends the request with what was said: the caller has
 *       heard half an answer, and a different model starting over would contradict it.
 * </ul>
 *
 * Clients are the SDK's, one per route (shared by the node's calls, {@link SdkClients}), with its
 * retries off (this is the retry rule) and its timeouts as a backstop behind the stall watchdog of
 * {@link ChatStream}.
 */
final class Failover implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Failover.class);
    /** The SDK will not build a client without a key; a local server that needs none ignores this one. */
    static final String NO_KEY = "no-key";

    /** Where a request's text goes as it streams, clause by clause. */
    interface Speech {
        void clause(String text) throws InterruptedException;

        /** Whether anything of this reply was said already (by this request or an earlier one). */
        boolean saidAnything();
    }

    /** What a request got: the model's text and tool calls, or the failure of the last route tried. */
    record Completion(String text, List<ToolCalls.Call> calls, Optional<ProviderFailure> failure, boolean stalled) {
        static Completion ok(String text, List<ToolCalls.Call> calls) {
            return new Completion(text, calls, Optional.empty(), false);
        }

        static Completion failed(String text, ProviderFailure f, boolean stalled) {
            return new Completion(text, List.of(), Optional.of(f), stalled);
        }
    }

    private final List<Route> routes;
    private final List<OpenAIClient> clients = new ArrayList<>();
    private final Options options;
    private final Usage usage;
    private int preferred;

    Failover(List<Route> routes, Options options, Usage usage) {
        if (routes.isEmpty()) {
            throw new IllegalArgumentException("a language-model responder needs at least one route");
        }
        this.routes = List.copyOf(routes);
        this.options = options;
        this.usage = usage;
        for (Route r : this.routes) {
            clients.add(SdkClients.of(r, options));
        }
    }

    Completion complete(Function<Route, ChatCompletionCreateParams> request, Speech speech) throws InterruptedException {
        ProviderFailure last = null;
        for (int n = 0; n < routes.size(); n++) {
            int i = (preferred + n) % routes.size();
            Route route = routes.get(i);
            boolean fallbackLeft = n + 1 < routes.size();
            for (int attempt = 0; attempt < 2; attempt++) {
                Completion c = once(clients.get(i), route, request.apply(route), speech);
                if (c.failure().isEmpty()) {
                    preferred = i;
                    return c;
                }
                last = described(c.failure().get(), route);
                log.warn("The language model failed: {}", last.message());
                if (speech.saidAnything()) {
                    return Completion.failed(c.text(), last, c.stalled());
                }
                if (attempt > 0 || !retryOnce(last, c.stalled() && fallbackLeft)) {
                    break;
                }
                Thread.sleep(last.retryAfter().orElse(Duration.ZERO));
            }
        }
        return Completion.failed("", last, false);
    }

    private boolean retryOnce(ProviderFailure f, boolean stalledWithFallbackLeft) {
        return f.retryable() && !stalledWithFallbackLeft
                && f.retryAfter().filter(d -> d.compareTo(options.retryAfterLimit()) > 0).isEmpty();
    }

    private Completion once(OpenAIClient client, Route route, ChatCompletionCreateParams params, Speech speech)
            throws InterruptedException {
        Clauses clauses = new Clauses();
        StringBuilder text = new StringBuilder();
        ToolCalls calls = new ToolCalls();
        try (ChatStream stream = new ChatStream(client, route, params, options)) {
            while (true) {
                switch (stream.next()) {
                    case ChatStream.Event.Chunk(ChatCompletionChunk chunk) -> {
                        chunk.usage().ifPresent(u -> usage.llmTokens(u.promptTokens(), u.completionTokens()));
                        for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                            choice.delta().toolCalls().ifPresent(fragments -> fragments.forEach(calls::add));
                            String delta = choice.delta().content().orElse("");
                            text.append(delta);
                            for (String clause : clauses.add(delta)) {
                                speech.clause(clause);
                            }
                        }
                    }
                    case ChatStream.Event.Done d -> {
                        String rest = clauses.rest();
                        if (!rest.isEmpty()) {
                            speech.clause(rest);
                        }
                        return Completion.ok(text.toString(), calls.calls());
                    }
                    // The clause in progress is dropped: half a sentence is worse than none.
                    case ChatStream.Event.Failed(ProviderFailure f, boolean stalled) -> {
                        return Completion.failed(text.toString(), f, stalled);
                    }
                }
            }
        }
    }

    /** The failure, saying which model at which host (fallbacks share the provider's name). */
    private static ProviderFailure described(ProviderFailure f, Route route) {
        return new ProviderFailure(f.provider(), f.retryable(), f.message() + " (" + route.describe() + ")", f.retryAfter());
    }

    /** The clients are the node's, shared with other calls: nothing of this call's to close. */
    @Override
    public void close() {
    }
}
