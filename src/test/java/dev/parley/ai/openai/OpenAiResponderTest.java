package dev.parley.ai.openai;

import static dev.parley.ai.openai.Calls.FAST;
import static dev.parley.ai.openai.Calls.assistant;
import static dev.parley.ai.openai.Calls.caller;
import static dev.parley.ai.openai.Calls.config;
import static dev.parley.ai.openai.Calls.parts;
import static dev.parley.ai.openai.Calls.readAll;
import static dev.parley.ai.openai.Calls.route;
import static dev.parley.ai.openai.Calls.session;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.ai.Responder;
import dev.parley.ai.Responder.Input;
import dev.parley.ai.Responder.Part;
import dev.parley.ai.Usage;
import dev.parley.assistant.AssistantConfig;
import dev.parley.support.FakeChatCompletions;
import dev.parley.support.FakeChatCompletions.Script;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The responder against a chat-completions fake on loopback, through the real SDK. */
@Tag("provider")
class OpenAiResponderTest {
    private static final AssistantConfig MODEL_OPENS = config("""
            {"model": {"provider": "openai", "model": "test-model"},
             "system_prompt": "You are calling {{name}} about order {{order}}.", "first_message": ""}""");

    private final FakeChatCompletions fake = FakeChatCompletions.start();
    private final FakeChatCompletions fallback = FakeChatCompletions.start();
    private final Usage usage = new Usage();

    @BeforeAll
    static void warm() throws InterruptedException {
        Calls.warmUp();
    }

    @AfterEach
    void stop() {
        fake.close();
        fallback.close();
    }

    private Responder.Session session(AssistantConfig config, List<Route> routes, Options options) {
        return Calls.session(config, routes, Calls.noTools(), usage, options, "{\"name\": \"Ana\", \"order\": 42}");
    }

    private Responder.Session primaryOnly() {
        return session(MODEL_OPENS, List.of(route(fake, "sk-primary")), FAST);
    }

    private Responder.Session withFallback(Options options) {
        return session(MODEL_OPENS, List.of(route(fake, "sk-primary"), route(fallback, "sk-fallback")), options);
    }

    @Test
    void theFirstClauseIsSaidBeforeTheWholeAnswerHasArrived() throws Exception {
        fake.script(Script.say("Hello Ana. ", "I am ", "calling ", "about ", "your ", "order ", "today.").chunkDelayMs(150));

        var timed = readAll(primaryOnly(), new Input.Answered(), List.of());

        assertThat(parts(timed)).containsExactly(new Part.Say("Hello Ana.", true),
                new Part.Say("I am calling about your order today.", true), new Part.Listen(List.of(), Duration.ofSeconds(6)));
        long whole = timed.getLast().ms();
        assertThat(whole).isGreaterThanOrEqualTo(7 * 150);
        assertThat(timed.getFirst().ms()).isLessThan(whole - 500); // said while five more chunks were coming
    }

    @Test
    void theModelSeesThePromptWithTheCallsVariablesAndTheHistoryAsHeard() throws Exception {
        fake.script(Script.say("It shipped on Monday."));
        var transcript = List.of(assistant("Hi Ana, I am calling about", true), caller("what is this about"));

        var config = config("""
                {"model": {"provider": "openai", "model": "test-model", "base_url": "%s", "temperature": 0.3,
                           "max_tokens": 150},
                 "system_prompt": "You are calling {{name}} about order {{order}}.", "first_message": ""}"""
                .formatted(fake.baseUrl()));
        readAll(session(config, Route.of(config.model(), m -> Optional.of("sk-primary")), FAST),
                new Input.Heard("what is this about"), transcript);

        var request = fake.requests().getFirst();
        JsonNode messages = request.messages();
        assertThat(messages).hasSize(3); // the caller's words, which the transcript holds, once
        assertThat(messages.get(0).get("role").asText()).isEqualTo("system");
        assertThat(messages.get(0).get("content").asText()).startsWith("You are calling Ana about order 42.");
        assertThat(messages.get(1).get("role").asText()).isEqualTo("assistant");
        assertThat(messages.get(1).get("content").asText()).isEqualTo("Hi Ana, I am calling about" + CallSession.INTERRUPTED);
        assertThat(messages.get(2).get("role").asText()).isEqualTo("user");
        assertThat(messages.get(2).get("content").asText()).isEqualTo("what is this about");
        assertThat(request.body().get("temperature").asDouble()).isEqualTo(0.3);
        assertThat(request.body().get("max_tokens").asInt()).isEqualTo(150);
        assertThat(request.body().get("stream").asBoolean()).isTrue();
        assertThat(request.body().at("/stream_options/include_usage").asBoolean()).isTrue();
        assertThat(request.toolNames()).containsExactly("end_call");
        assertThat(request.header("Authorization")).contains("Bearer sk-primary");
    }

    @Test
    void aFixedFirstMessageIsSaidWithItsVariablesAndNoModel() throws Exception {
        var config = config("""
                {"model": {"provider": "openai"}, "first_message": "Hi {{name}}, this is Parley."}""");

        var parts = parts(readAll(session(config, List.of(route(fake, "k")), FAST), new Input.Answered(), List.of()));

        assertThat(parts).containsExactly(new Part.Say("Hi Ana, this is Parley.", true),
                new Part.Listen(List.of(), Duration.ofSeconds(6)));
        assertThat(fake.requests()).isEmpty();
    }

    @Test
    void keysSilenceAndTheOpeningAreToldToTheModelAndKeptInTheHistory() throws Exception {
        fake.script(Script.say("Hello."));
        var s = primaryOnly();
        readAll(s, new Input.Answered(), List.of());
        readAll(s, new Input.Digit('5'), List.of(assistant("Hello.", false)));
        readAll(s, new Input.NoInput(), List.of(assistant("Hello.", false), assistant("Hello.", false)));

        JsonNode last = fake.requests().get(2).messages();
        assertThat(last).extracting(m -> m.get("role").asText() + ": " + m.get("content").asText()).containsExactly(
                "system: " + "You are calling Ana about order 42." + CallSession.PHONE_NOTE,
                "user: " + CallSession.ANSWERED,
                "assistant: Hello.",
                "user: [the caller pressed the key 5 on their phone]",
                "assistant: Hello.",
                "user: [the caller has said nothing for 6 seconds]");
    }

    @Test
    void tokensAreAddedToTheCallsUsage() throws Exception {
        fake.script(Script.say("Hi.").usage(120, 7));
        var s = primaryOnly();
        readAll(s, new Input.Answered(), List.of());
        readAll(s, new Input.Heard("hello"), List.of(caller("hello")));

        assertThat(usage.snapshot().llmPromptTokens()).isEqualTo(240);
        assertThat(usage.snapshot().llmCompletionTokens()).isEqualTo(14);
    }

    @Test
    void aLocalServerWithoutAnyKeyWorks() throws Exception {
        fake.script(Script.say("Local hello."));

        var parts = parts(readAll(session(MODEL_OPENS, List.of(route(fake, null)), FAST), new Input.Answered(), List.of()));

        assertThat(parts).startsWith(new Part.Say("Local hello.", true));
        assertThat(fake.requests().getFirst().header("Authorization")).isEmpty();
    }

    @Test
    void closingTheReplyCancelsTheHttpStreamAtOnce() throws Exception {
        fake.script(Script.sayWords("Sure. " + "This is a long answer that goes on and on ".repeat(20)).chunkDelayMs(30));
        var s = primaryOnly();
        Responder.Reply reply = s.respond(new Input.Answered(), List.of());
        assertThat(reply.next()).isEqualTo(new Part.Say("Sure.", true));

        long t0 = System.nanoTime();
        reply.close();

        var ended = fake.awaitRequest(1, Duration.ofSeconds(1)).ended().get(2, TimeUnit.SECONDS);
        assertThat(ended).isEqualTo(FakeChatCompletions.Ending.CLIENT_CLOSED);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1_000);
        assertThat(reply.next()).isNull();
    }

    @Test
    void aServerErrorIsTriedOnceMore() throws Exception {
        fake.script(Script.status(500), Script.say("Second time lucky."));

        var parts = parts(readAll(primaryOnly(), new Input.Answered(), List.of()));

        assertThat(parts).startsWith(new Part.Say("Second time lucky.", true));
        assertThat(fake.requests()).hasSize(2);
    }

    @Test
    void aShortRetryAfterIsWaitedForALongOneGoesToTheFallback() throws Exception {
        fake.script(Script.status(429).retryAfter("1"), Script.say("Waited."), Script.status(429).retryAfter("120"));
        fallback.script(Script.say("From the fallback."));

        var waited = readAll(withFallback(FAST), new Input.Answered(), List.of());
        var skipped = parts(readAll(withFallback(FAST), new Input.Answered(), List.of()));

        assertThat(parts(waited)).startsWith(new Part.Say("Waited.", true));
        assertThat(waited.getFirst().ms()).isGreaterThanOrEqualTo(950);
        assertThat(skipped).startsWith(new Part.Say("From the fallback.", true));
        assertThat(fake.requests()).hasSize(3);
    }

    @Test
    void aRefusedKeyGoesStraightToTheFallbackWithItsOwnKey() throws Exception {
        fake.script(Script.status(401));
        fallback.script(Script.say("From the fallback."));

        var parts = parts(readAll(withFallback(FAST), new Input.Answered(), List.of()));

        assertThat(parts).startsWith(new Part.Say("From the fallback.", true));
        assertThat(fake.requests()).hasSize(1);
        assertThat(fallback.requests().getFirst().header("Authorization")).contains("Bearer sk-fallback");
    }

    @Test
    void whenThePrimaryStallsTheFallbackIsHeardWithinThreeSeconds() throws Exception {
        fake.script(Script.say("Never").stallAfter(0));
        fallback.script(Script.say("Hello from the fallback. ", "How can I help?").chunkDelayMs(100));
        Options options = new Options(Duration.ofMillis(2_000), Duration.ofSeconds(2), Duration.ofMillis(1_500),
                Duration.ofSeconds(1));

        var timed = readAll(withFallback(options), new Input.Answered(), List.of());

        assertThat(timed.getFirst().part()).isEqualTo(new Part.Say("Hello from the fallback.", true));
        assertThat(timed.getFirst().ms()).isLessThan(3_000);
        assertThat(fake.requests().getFirst().ended().get(2, TimeUnit.SECONDS))
                .isEqualTo(FakeChatCompletions.Ending.CLIENT_CLOSED);
    }

    @Test
    void whenEveryRouteFailsTheReplyIsAFailureNamingTheLastProvider() throws Exception {
        fake.script(Script.status(401));
        fallback.script(Script.status(503));

        var parts = parts(readAll(withFallback(FAST), new Input.Answered(), List.of()));

        assertThat(parts).hasSize(1);
        var failed = (Part.Failed) parts.getFirst();
        assertThat(failed.failure().provider()).isEqualTo("openai");
        assertThat(failed.failure().message()).contains("HTTP 503").contains("test-model at 127.0.0.1");
        assertThat(fallback.requests()).hasSize(2); // a 503 is worth a second try
    }

    @Test
    void aStreamThatDiesAfterAClauseEndsTheReplyWithWhatWasSaid() throws Exception {
        fake.script(Script.say("Sure thing. ", "Your order ", "is").stallAfter(2));
        fallback.script(Script.say("Should not be heard."));

        var parts = parts(readAll(withFallback(FAST), new Input.Answered(), List.of()));

        assertThat(parts).containsExactly(new Part.Say("Sure thing.", true), new Part.Listen(List.of(), Duration.ofSeconds(6)));
        assertThat(fallback.requests()).isEmpty();
    }
}
