package dev.parley.ai.openai;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.parley.ai.ProviderFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One streamed chat completion, read with a watchdog. The SDK's stream blocks its reader, so a
 * virtual thread reads it into a queue and {@link #next} waits on the queue with the stall limits:
 * the first chunk within {@code firstChunk}, each next one within {@code betweenChunks}.
 *
 * <p>A stall or {@link #close} (barge-in) cancels by interrupting the reader: a virtual thread
 * blocked on a socket has the socket closed under it (JEP 444), so the request ends at once,
 * waiting for headers or for a chunk alike. Closing the SDK's response from another thread instead
 * races OkHttp's reader ("Unbalanced enter/exit") and leaves the connection open; the SDK does not
 * expose the OkHttp call to cancel. The reader closes the response itself, on its own thread.
 */
final class ChatStream implements AutoCloseable {
    sealed interface Event {
        record Chunk(ChatCompletionChunk chunk) implements Event {}

        record Done() implements Event {}

        /** {@code stalled}: nothing arrived within the limit (rather than an error that said why). */
        record Failed(ProviderFailure failure, boolean stalled) implements Event {}
    }

    private final Route route;
    private final Options options;
    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Thread reader;
    private boolean started;

    ChatStream(OpenAIClient client, Route route, ChatCompletionCreateParams params, Options options) {
        this.route = route;
        this.options = options;
        this.reader = Thread.ofVirtual().name("llm-stream").start(() -> read(client, params));
    }

    private void read(OpenAIClient client, ChatCompletionCreateParams params) {
        String provider = route.endpoint().provider();
        try (StreamResponse<ChatCompletionChunk> r = client.chat().completions().createStreaming(params);
             var chunks = r.stream()) {
            chunks.forEach(c -> events.add(new Event.Chunk(c)));
            events.add(new Event.Done());
        } catch (OpenAIServiceException e) {
            String retryAfter = e.headers().values("retry-after").stream().findFirst().orElse(null);
            events.add(new Event.Failed(ProviderFailure.ofStatus(provider, e.statusCode(), retryAfter, Instant.now()), false));
        } catch (RuntimeException e) {
            // Below HTTP (refused, reset, timed out), or our own close; the SDK wraps the IOException.
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            events.add(new Event.Failed(ProviderFailure.ofIo(provider, cause), false));
        }
    }

    /** The next event; a stall is reported as a failure (and the request canceled). */
    Event next() throws InterruptedException {
        Duration limit = started ? options.betweenChunks() : options.firstChunk();
        Event e = events.poll(limit.toNanos(), TimeUnit.NANOSECONDS);
        if (e == null) {
            close();
            return new Event.Failed(ProviderFailure.stalled(route.endpoint().provider(), limit), true);
        }
        started = true;
        return e;
    }

    @Override
    public void close() {
        reader.interrupt();
    }
}
