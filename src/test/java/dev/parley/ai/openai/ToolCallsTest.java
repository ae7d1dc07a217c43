package dev.parley.ai.openai;

import static dev.parley.ai.openai.Calls.FAST;
import static dev.parley.ai.openai.Calls.JSON;
import static dev.parley.ai.openai.Calls.caller;
import static dev.parley.ai.openai.Calls.parts;
import static dev.parley.ai.openai.Calls.readAll;
import static dev.parley.ai.openai.Calls.route;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.parley.ai.Responder;
import dev.parley.ai.Responder.Input;
import dev.parley.ai.Responder.Part;
import dev.parley.ai.Usage;
import dev.parley.ai.tools.ToolCaller;
import dev.parley.assistant.AssistantConfig;
import dev.parley.call.EndReason;
import dev.parley.support.FakeChatCompletions;
import dev.parley.support.FakeChatCompletions.Script;
import dev.parley.webhook.WebhookSignature;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Tool calls streamed by the fake: built-ins become parts, custom ones are signed HTTP calls whose answers go back. */
@Tag("provider")
class ToolCallsTest {
    private static final String SECRET = "whsec_tools_test";
    private static final Duration LISTEN = Duration.ofSeconds(6);
    /** A filler after 1 s: a tool on loopback answers long before, even on a busy machine. */
    private static final Options PATIENT = new Options(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(1),
            Duration.ofSeconds(1));

    private final FakeChatCompletions fake = FakeChatCompletions.start();
    private final Receiver tool = new Receiver();
    private final ToolCaller caller = new ToolCaller(w -> List.of(SECRET), u -> Optional.empty(), InstantSource.system());

    @BeforeAll
    static void warm() throws InterruptedException {
        Calls.warmUp();
    }

    @AfterEach
    void stop() {
        fake.close();
        tool.server.stop(0);
        caller.close();
    }

    /** The assistant's own server for a custom tool: records signed requests, answers as told. */
    private static final class Receiver {
        final HttpServer server;
        final List<String> bodies = new CopyOnWriteArrayList<>();
        final List<String> signatures = new CopyOnWriteArrayList<>();
        volatile int status = 200;
        volatile int delayMs;

        Receiver() {
            try {
                server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            server.createContext("/tool", ex -> {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                bodies.add(body);
                signatures.add(ex.getRequestHeaders().getFirst("Parley-Signature"));
                try {
                    Thread.sleep(delayMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                String order = JSON.readTree(body).at("/arguments/order_id").asText();
                byte[] answer = ("{\"order\": \"" + order + "\", \"status\": \"shipped\"}").getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(status, answer.length);
                ex.getResponseBody().write(answer);
                ex.close();
            });
            server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/tool";
        }
    }

    private AssistantConfig config(String toolConfig) {
        return Calls.config("""
                {"model": {"provider": "openai"}, "first_message": "", "end_message": "Goodbye {{name}}!",
                 "tool_config": %s}""".formatted(toolConfig));
    }

    private AssistantConfig lookupOrder() {
        return config("""
                [{"type": "function", "name": "lookup_order", "description": "Finds an order",
                  "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
                  "url": "%s", "timeout_seconds": 2},
                 {"type": "transfer_call", "destinations": ["+14155550100", "sip:desk@example.com"]},
                 {"type": "send_dtmf"}]""".formatted(tool.url()));
    }

    private Responder.Session session(AssistantConfig config, ToolCaller tools, Options options) {
        return Calls.session(config, List.of(route(fake, "sk")), tools, new Usage(), options, "{\"name\": \"Ana\"}");
    }

    private List<Part> ask(AssistantConfig config, String heard) throws InterruptedException {
        return parts(readAll(session(config, caller, PATIENT), new Input.Heard(heard), List.of(caller(heard))));
    }

    @Test
    void twoParallelCallsWithSplitArgumentsAreRunSignedAndTheirAnswersGoBackToTheModel() throws Exception {
        fake.script(Script.toolCalls(Script.call("call_a", "lookup_order", "{\"order", "_id\": \"42\"}"),
                        Script.call("call_b", "lookup_order", "{\"order_id\"", ": \"43\"", "}")),
                Script.say("Both orders have shipped."));

        var parts = ask(lookupOrder(), "where are orders 42 and 43");

        assertThat(parts).containsExactly(new Part.Say("Both orders have shipped.", true), new Part.Listen(List.of(), LISTEN));
        assertThat(tool.bodies).extracting(b -> JSON.readTree(b).get("arguments").toString())
                .containsExactlyInAnyOrder("{\"order_id\":\"42\"}", "{\"order_id\":\"43\"}");
        for (int i = 0; i < tool.bodies.size(); i++) {
            assertThat(WebhookSignature.verify(tool.signatures.get(i), tool.bodies.get(i).getBytes(StandardCharsets.UTF_8),
                    SECRET, Instant.now().getEpochSecond(), 300)).isTrue();
            assertThat(JSON.readTree(tool.bodies.get(i)).get("call_id").asText()).isEqualTo("call_1");
        }
        JsonNode second = fake.requests().get(1).messages();
        JsonNode request = second.get(second.size() - 3);
        assertThat(request.get("role").asText()).isEqualTo("assistant");
        assertThat(request.get("tool_calls")).extracting(c -> c.get("id").asText() + " " + c.at("/function/arguments").asText())
                .containsExactly("call_a {\"order_id\": \"42\"}", "call_b {\"order_id\": \"43\"}");
        assertThat(second.get(second.size() - 2).get("tool_call_id").asText()).isEqualTo("call_a");
        assertThat(second.get(second.size() - 2).get("content").asText()).isEqualTo("{\"order\": \"42\", \"status\": \"shipped\"}");
        assertThat(second.get(second.size() - 1).get("content").asText()).contains("\"43\"");
        assertThat(fake.requests().getFirst().toolNames()).containsExactly("end_call", "lookup_order", "transfer_call", "send_dtmf");
    }

    @Test
    void aFailingToolIsToldToTheModelNotTheCaller() throws Exception {
        tool.status = 500;
        fake.script(Script.toolCalls(Script.call("call_a", "lookup_order", "{\"order_id\": \"42\"}")),
                Script.say("I could not look that up right now."));

        var parts = ask(lookupOrder(), "where is order 42");

        assertThat(parts).containsExactly(new Part.Say("I could not look that up right now.", true),
                new Part.Listen(List.of(), LISTEN));
        JsonNode second = fake.requests().get(1).messages();
        assertThat(second.get(second.size() - 1).get("content").asText()).contains("HTTP 500");
    }

    @Test
    void aUrlTheGuardRefusesIsNeverCalledAndTheModelIsTold() throws Exception {
        var guarded = new ToolCaller(w -> List.of(SECRET), u -> Optional.of("refused by the SSRF guard: a loopback address"),
                InstantSource.system());
        fake.script(Script.toolCalls(Script.call("call_a", "lookup_order", "{\"order_id\": \"42\"}")), Script.say("Sorry."));

        parts(readAll(session(lookupOrder(), guarded, PATIENT), new Input.Heard("order 42"), List.of(caller("order 42"))));

        assertThat(tool.bodies).isEmpty();
        JsonNode second = fake.requests().get(1).messages();
        assertThat(second.get(second.size() - 1).get("content").asText()).contains("refused by the SSRF guard");
    }

    @Test
    void aSlowToolGetsAFillerLineOnce() throws Exception {
        tool.delayMs = 600;
        fake.script(Script.toolCalls(Script.call("call_a", "lookup_order", "{\"order_id\": \"42\"}"),
                Script.call("call_b", "lookup_order", "{\"order_id\": \"43\"}")), Script.say("Found them."));

        var parts = parts(readAll(session(lookupOrder(), caller, FAST), new Input.Heard("orders 42 and 43"),
                List.of(caller("orders 42 and 43"))));

        assertThat(parts).containsExactly(new Part.Say(ModelReply.FILLER, true), new Part.Say("Found them.", true),
                new Part.Listen(List.of(), LISTEN));
    }

    @Test
    void endCallSaysTheEndMessageWholeThenHangsUp() throws Exception {
        fake.script(Script.say("Okay."), Script.toolCalls(Script.call("call_e", "end_call", "{}")));
        var s = session(lookupOrder(), caller, PATIENT);
        readAll(s, new Input.Heard("hi"), List.of(caller("hi")));

        var parts = parts(readAll(s, new Input.Heard("bye now"), List.of(caller("hi"), caller("bye now"))));

        assertThat(parts).containsExactly(new Part.Say("Goodbye Ana!", false), new Part.EndCall(EndReason.ASSISTANT_ENDED));
        assertThat(parts(readAll(s, new Input.Heard("hello?"), List.of()))).isEmpty();
        assertThat(fake.requests()).hasSize(2);
    }

    @Test
    void transferCallGoesOnlyToAConfiguredDestination() throws Exception {
        fake.script(Script.toolCalls(Script.call("call_t", "transfer_call", "{\"destination\": \"+19995550000\"}")),
                Script.toolCalls(Script.call("call_u", "transfer_call", "{\"destination\": \"sip:desk@example.com\"}")));

        var parts = ask(lookupOrder(), "a person please");

        assertThat(parts).containsExactly(new Part.Transfer("sip:desk@example.com"));
        JsonNode second = fake.requests().get(1).messages();
        assertThat(second.get(second.size() - 1).get("content").asText()).contains("transfer only to one of: +14155550100");
        assertThat(fake.requests().getFirst().body().at("/tools/2/function/parameters/properties/destination/enum"))
                .extracting(JsonNode::asText).containsExactly("+14155550100", "sip:desk@example.com");
    }

    @Test
    void sendDtmfPressesTheKeysThenTheModelGoesOn() throws Exception {
        fake.script(Script.toolCalls(Script.call("call_d", "send_dtmf", "{\"digits\": \"12#\"}")), Script.say("Done."));

        var parts = ask(lookupOrder(), "press one two hash");

        assertThat(parts).containsExactly(new Part.SendDtmf("12#"), new Part.Say("Done.", true), new Part.Listen(List.of(), LISTEN));
    }

    @Test
    void builtInsThatAreNotConfiguredAreNotOffered() throws Exception {
        fake.script(Script.say("Hi."));

        ask(config("[]"), "hello");

        assertThat(fake.requests().getFirst().toolNames()).containsExactly("end_call");
    }
}
