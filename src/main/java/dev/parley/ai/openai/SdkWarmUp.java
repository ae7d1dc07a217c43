package dev.parley.ai.openai;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.sun.net.httpserver.HttpServer;
import dev.parley.ai.Endpoint;
import dev.parley.ai.Responder;
import dev.parley.ai.Usage;
import dev.parley.assistant.AssistantConfigJson;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SDK's first request in a JVM loads Kotlin, OkHttp and Jackson's modules: seconds on a busy
 * machine, which a call would hear as a stalled model and fail over. So the first call with a
 * language model warms it up while its phone rings, with one streamed reply from a server on
 * loopback that exists only for this; later calls find it warm.
 */
public final class SdkWarmUp {
    private static final Logger log = LoggerFactory.getLogger(SdkWarmUp.class);
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static final String CHUNKS = """
            data: {"id":"w","object":"chat.completion.chunk","created":0,"model":"w","choices":[{"index":0,"delta":{"role":"assistant","content":"Ready."},"finish_reason":null}]}

            data: {"id":"w","object":"chat.completion.chunk","created":0,"model":"w","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

            data: [DONE]

            """;

    private SdkWarmUp() {}

    /** Starts the warm-up once per JVM, in the background. */
    public static void once() {
        if (STARTED.compareAndSet(false, true)) {
            Thread.ofVirtual().name("openai-warm-up").start(SdkWarmUp::run);
        }
    }

    private static void run() {
        long t0 = System.nanoTime();
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            log.debug("No warm-up for the OpenAI SDK: {}", e.toString());
            return;
        }
        server.createContext("/v1/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = CHUNKS.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            var config = AssistantConfigJson.parse(new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree("{\"model\": {\"provider\": \"openai\"}, \"first_message\": \"\"}"));
            URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
            Route route = new Route(new Endpoint("openai", base, Optional.empty()), "warm-up", Optional.empty(), Optional.empty());
            Duration patient = Duration.ofSeconds(60);
            var responder = OpenAiResponder.of(config, List.of(route), null, "warm-up", new Usage(),
                    new Options(patient, patient, patient, Duration.ofSeconds(1)));
            try (Responder.Session s = responder.start("warm-up", JsonNodeFactory.instance.objectNode());
                 Responder.Reply r = s.respond(new Responder.Input.Answered(), List.of())) {
                while (r.next() != null) {
                    // read the whole reply: parsing is part of what warms up
                }
            }
            log.debug("The OpenAI SDK warmed up in {} ms", (System.nanoTime() - t0) / 1_000_000);
        } catch (Exception e) {
            log.debug("The OpenAI SDK warm-up failed: {}", e.toString());
        } finally {
            server.stop(0);
        }
    }
}
