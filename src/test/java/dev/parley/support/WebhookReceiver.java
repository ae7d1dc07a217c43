package dev.parley.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * A real HTTP receiver on 127.0.0.1 for webhook tests. It records every request and answers as the
 * test scripts it: {@code (event id, how many times this event came before) -> answer}.
 */
public final class WebhookReceiver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Received(Instant at, String eventId, String signature, byte[] body, JsonNode json) {}

    public record Answer(int status, Duration delay, Map<String, String> headers) {
        public static Answer ok() {
            return new Answer(200, Duration.ZERO, Map.of());
        }

        public static Answer status(int code) {
            return new Answer(code, Duration.ZERO, Map.of());
        }

        public static Answer slow(Duration delay) {
            return new Answer(200, delay, Map.of());
        }
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
    private volatile BiFunction<String, Integer, Answer> script = (id, n) -> Answer.ok();

    public WebhookReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String id = exchange.getRequestHeaders().getFirst("Parley-Event-Id");
            int before = seen.computeIfAbsent(String.valueOf(id), k -> new AtomicInteger()).getAndIncrement();
            received.add(new Received(Instant.now(), id, exchange.getRequestHeaders().getFirst("Parley-Signature"), body,
                    JSON.readTree(body)));
            Answer a = script.apply(id, before);
            try {
                Thread.sleep(a.delay());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            a.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            try {
                exchange.sendResponseHeaders(a.status(), -1);
            } catch (IOException e) {
                // Parley gave up waiting (a timeout the test asked for)
            }
            exchange.close();
        });
        server.start();
    }

    public void script(BiFunction<String, Integer, Answer> script) {
        this.script = script;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/parley";
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** Waits until {@code count} requests arrived; fails after {@code within}. */
    public List<Received> awaitCount(int count, Duration within) {
        awaitUntil(() -> received.size() >= count ? Boolean.TRUE : null, within,
                () -> "expected " + count + " webhook requests within " + within + ", got " + received.size());
        return received();
    }

    /** Waits for the first request whose event has this {@code type}; fails after {@code within}. */
    public Received awaitEvent(String type, Duration within) {
        return awaitUntil(() -> received.stream().filter(r -> type.equals(r.json().path("type").asText())).findFirst().orElse(null),
                within, () -> "expected a " + type + " webhook within " + within + ", got "
                        + received.stream().map(r -> r.json().path("type").asText()).toList());
    }

    private static <T> T awaitUntil(java.util.function.Supplier<T> found, Duration within, java.util.function.Supplier<String> failure) {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            T t = found.get();
            if (t != null) {
                return t;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(failure.get());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
