package dev.parley.ai.openai;

import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageParam;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.parley.ai.Responder.Part;
import dev.parley.ai.flow.Template;
import dev.parley.ai.tools.Tool;
import dev.parley.ai.tools.ToolCaller;
import dev.parley.call.EndReason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One reply of the model, on the reply's own thread: a request whose text is said clause by clause
 * as it streams; when the model asks for tools, they are run and their results sent back in a next
 * request, up to {@link #MAX_TOOL_ROUNDS} times. Built-in tools become parts ({@code end_call}:
 * the closing line, then hang up; {@code transfer_call}; {@code send_dtmf}); custom ones are HTTP
 * calls whose answers, or failures, only the model hears. The reply ends with a {@link Part.Listen}
 * unless it hung up, transferred, or failed.
 */
final class ModelReply {
    /** A model calling tools in a loop would keep the caller waiting forever; five rounds is plenty. */
    static final int MAX_TOOL_ROUNDS = 5;
    static final String FILLER = "One moment, please.";

    private final CallSession session;
    private final int at;
    private final List<ChatCompletionMessageParam> messages;
    private final List<ChatCompletionFunctionTool> offered;
    private boolean said;
    private boolean fillerSaid;

    ModelReply(CallSession session, int at, List<ChatCompletionMessageParam> messages) {
        this.session = session;
        this.at = at;
        this.messages = new ArrayList<>(messages);
        this.offered = Messages.offered(session.setup().tools());
    }

    void run(StreamedReply.Parts out) throws InterruptedException {
        Failover.Speech speech = new Failover.Speech() {
            @Override
            public void clause(String text) throws InterruptedException {
                out.put(new Part.Say(text, true));
                said = true;
            }

            @Override
            public boolean saidAnything() {
                return said;
            }
        };
        for (int round = 0; round < MAX_TOOL_ROUNDS; round++) {
            Failover.Completion c = session.failover().complete(this::params, speech);
            if (c.failure().isPresent()) {
                // Said something already: the reply ends there, and the next turn tries again.
                out.put(said ? session.listen() : new Part.Failed(c.failure().get()));
                return;
            }
            if (c.calls().isEmpty()) {
                out.put(session.listen());
                return;
            }
            if (tools(c, out)) {
                return;
            }
        }
        out.put(session.listen());
    }

    /** Runs a round of tool calls; true when the reply is over (hung up or transferred). */
    private boolean tools(Failover.Completion c, StreamedReply.Parts out) throws InterruptedException {
        List<ChatCompletionMessageParam> round = new ArrayList<>();
        round.add(Messages.toolRequest(c.text(), c.calls()));
        List<Part> ending = new ArrayList<>();
        List<Future<String>> results = new ArrayList<>();
        try (ExecutorService running = Executors.newVirtualThreadPerTaskExecutor()) {
            for (ToolCalls.Call call : c.calls()) {
                results.add(switch (call.name()) {
                    case "end_call" -> {
                        if (ending.isEmpty()) {
                            String line = Template.lenient(session.setup().config().endMessage())
                                    .render(session.variables()).strip();
                            if (!line.isEmpty()) {
                                ending.add(new Part.Say(line, false));
                            }
                            ending.add(new Part.EndCall(EndReason.ASSISTANT_ENDED));
                        }
                        yield done("{\"ok\": true}");
                    }
                    case "transfer_call" -> done(transfer(call, ending));
                    case "send_dtmf" -> done(dtmf(call, out));
                    default -> custom(call, running);
                });
            }
            List<String> answers = await(results, out);
            for (int i = 0; i < answers.size(); i++) {
                round.add(Messages.toolResult(c.calls().get(i).id(), answers.get(i)));
            }
        }
        session.notes(at, round);
        messages.addAll(round);
        if (!ending.isEmpty()) {
            for (Part p : ending) {
                out.put(p);
            }
            if (ending.getLast() instanceof Part.EndCall) {
                session.ended();
            }
            return true;
        }
        return false;
    }

    private String transfer(ToolCalls.Call call, List<Part> ending) {
        String to = Messages.argument(call.arguments(), "destination");
        List<String> allowed = session.setup().tools().stream()
                .flatMap(t -> t instanceof Tool.TransferCall tc ? tc.destinations().stream() : java.util.stream.Stream.empty())
                .toList();
        if (!allowed.contains(to)) {
            return error(allowed.isEmpty() ? "transferring is not enabled for this assistant"
                    : "transfer only to one of: " + String.join(", ", allowed));
        }
        if (ending.isEmpty()) {
            ending.add(new Part.Transfer(to));
        }
        return "{\"ok\": true, \"status\": \"transferring\"}";
    }

    private String dtmf(ToolCalls.Call call, StreamedReply.Parts out) throws InterruptedException {
        String digits = Messages.argument(call.arguments(), "digits");
        boolean offered = session.setup().tools().stream().anyMatch(t -> t instanceof Tool.SendDtmf);
        if (!offered) {
            return error("sending keys is not enabled for this assistant");
        }
        if (!digits.matches(Messages.DTMF_PATTERN.substring(1, Messages.DTMF_PATTERN.length() - 1))) {
            return error("digits must be keys of the keypad: 0-9, *, #, A-D");
        }
        out.put(new Part.SendDtmf(digits));
        return "{\"ok\": true, \"sent\": \"" + digits + "\"}";
    }

    private Future<String> custom(ToolCalls.Call call, ExecutorService running) {
        Tool.Function f = session.setup().tools().stream()
                .flatMap(t -> t instanceof Tool.Function fn && fn.name().equals(call.name())
                        ? java.util.stream.Stream.of(fn) : java.util.stream.Stream.empty())
                .findFirst().orElse(null);
        if (f == null) {
            return done(error("there is no tool named " + call.name()));
        }
        ToolCaller caller = session.setup().toolCaller();
        return running.submit(() -> caller.call(session.setup().workspaceId(), session.callId(), call.id(), f,
                call.arguments()).forModel());
    }

    /** The tools' answers in order; the caller hears a filler line once if they take a while. */
    private List<String> await(List<Future<String>> results, StreamedReply.Parts out) throws InterruptedException {
        long fillerAt = System.nanoTime() + session.setup().options().fillerDelay().toNanos();
        List<String> answers = new ArrayList<>();
        for (Future<String> r : results) {
            try {
                if (!fillerSaid) {
                    try {
                        answers.add(r.get(Math.max(0, fillerAt - System.nanoTime()), TimeUnit.NANOSECONDS));
                        continue;
                    } catch (TimeoutException slow) {
                        fillerSaid = true; // not an answer: a failure after it is still a failure
                        out.put(new Part.Say(FILLER, true));
                    }
                }
                answers.add(r.get());
            } catch (ExecutionException e) {
                answers.add(error("the tool failed"));
            }
        }
        return answers;
    }

    private ChatCompletionCreateParams params(Route route) {
        var b = ChatCompletionCreateParams.builder()
                .model(route.model())
                .messages(messages)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build());
        offered.forEach(b::addTool);
        route.temperature().ifPresent(b::temperature);
        route.maxTokens().ifPresent(max -> {
            // OpenAI's newer models refuse max_tokens; most compatible servers know only max_tokens.
            if (route.endpoint().baseUrl().getHost().equalsIgnoreCase(Route.OPENAI_BASE_URL.getHost())) {
                b.maxCompletionTokens(max.longValue());
            } else {
                b.maxTokens(max.longValue());
            }
        });
        return b.build();
    }

    private static String error(String why) {
        return new ToolCaller.Result.Failed(why).forModel();
    }

    private static Future<String> done(String value) {
        return java.util.concurrent.CompletableFuture.completedFuture(value);
    }
}
