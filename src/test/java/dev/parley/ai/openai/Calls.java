package dev.parley.ai.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.ai.Endpoint;
import dev.parley.ai.Responder;
import dev.parley.ai.Usage;
import dev.parley.ai.tools.ToolCaller;
import dev.parley.assistant.AssistantConfig;
import dev.parley.assistant.AssistantConfigJson;
import dev.parley.support.FakeChatCompletions;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What the responder tests share: configs from JSON, routes to fakes, and replies read with their timing. */
final class Calls {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Options FAST = new Options(Duration.ofMillis(800), Duration.ofMillis(500), Duration.ofMillis(150),
            Duration.ofSeconds(1));

    private Calls() {}

    private static volatile boolean warm;

    /**
     * The SDK's first request in a JVM loads Kotlin, OkHttp and Jackson modules: seconds on a busy
     * machine, which would read as a stall to the timing tests. One request to a fake first.
     */
    static void warmUp() throws InterruptedException {
        if (warm) {
            return;
        }
        try (var fake = FakeChatCompletions.start()) {
            fake.script(FakeChatCompletions.Script.say("Warm."));
            var s = session(config("{\"model\": {\"provider\": \"openai\"}, \"first_message\": \"\"}"),
                    List.of(route(fake, "k")), new Options(Duration.ofSeconds(60), Duration.ofSeconds(60),
                            Duration.ofSeconds(1), Duration.ofSeconds(1)), new Usage(), "{}");
            readAll(s, new Responder.Input.Answered(), List.of());
            s.close();
        }
        warm = true;
    }

    static Responder.Session session(AssistantConfig config, List<Route> routes, Options options, Usage usage,
                                     String variables) {
        return session(config, routes, noTools(), usage, options, variables);
    }

    static AssistantConfig config(String json) {
        try {
            return AssistantConfigJson.parse(JSON.readTree(json));
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Route route(FakeChatCompletions fake, String key) {
        return new Route(new Endpoint("openai", URI.create(fake.baseUrl()), Optional.ofNullable(key)), "test-model",
                Optional.empty(), Optional.empty());
    }

    static ToolCaller noTools() {
        return new ToolCaller(w -> List.of("whsec_test"), u -> Optional.empty(), InstantSource.system());
    }

    static Responder.Session session(AssistantConfig config, List<Route> routes, ToolCaller tools, Usage usage,
                                     Options options, String variables) {
        try {
            return OpenAiResponder.of(config, routes, tools, "ws_1", usage, options)
                    .start("call_1", JSON.readTree(variables));
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A part and when it arrived, in ms after the reply was asked for. */
    record Timed(Responder.Part part, long ms) {}

    static List<Timed> readAll(Responder.Session s, Responder.Input input, List<Responder.Turn> transcript)
            throws InterruptedException {
        long t0 = System.nanoTime();
        List<Timed> out = new ArrayList<>();
        try (Responder.Reply r = s.respond(input, transcript)) {
            Responder.Part p;
            while ((p = r.next()) != null) {
                out.add(new Timed(p, (System.nanoTime() - t0) / 1_000_000));
            }
        }
        return out;
    }

    static List<Responder.Part> parts(List<Timed> timed) {
        return timed.stream().map(Timed::part).toList();
    }

    static Responder.Turn caller(String text) {
        return new Responder.Turn(Responder.Turn.Speaker.caller, text, false);
    }

    static Responder.Turn assistant(String text, boolean interrupted) {
        return new Responder.Turn(Responder.Turn.Speaker.assistant, text, interrupted);
    }
}
