package dev.parley.ai.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.parley.ai.Responder;
import dev.parley.assistant.AssistantConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The offline responder: runs the assistant's {@code flow}, or without one a built-in yes/no
 * conversation around {@code first_message}. Each reply is computed at once (nothing to stream),
 * from keyword matching on the transcript text, so it needs no model and no network.
 */
public final class FlowResponder implements Responder {
    /** Said on every listen step that does not define its own {@code repeat} intent. */
    static final List<String> REPEAT_PHRASES = List.of("repeat", "say that again", "pardon", "what did you say");
    private static final String REPEAT = "repeat";

    private final Flow flow;
    private final Template endMessage;
    private final Duration defaultNoInputTimeout;
    private final List<Phrase> endCallPhrases;
    /** Per listen step, worked out once: its intents' phrases normalised, and what to expect. */
    private final Map<String, Hearing> hearings;

    public FlowResponder(AssistantConfig config) {
        this.flow = config.flow().orElseGet(() -> builtIn(config));
        this.endMessage = Template.lenient(config.endMessage());
        this.defaultNoInputTimeout = Duration.ofSeconds(config.turnTaking().noInputTimeoutSeconds());
        this.endCallPhrases = config.endCallPhrases().stream().map(p -> new Phrase(Words.of(p), new Meaning.EndCall()))
                .filter(p -> !p.words().isEmpty()).toList();
        Map<String, Hearing> byStep = new HashMap<>();
        for (Step s : flow.steps()) {
            if (s.next() instanceof Listen l) {
                byStep.put(s.id(), hearing(l));
            }
        }
        this.hearings = Map.copyOf(byStep);
    }

    /** The flow this responder runs (the built-in one when the assistant has none). */
    public Flow flow() {
        return flow;
    }

    /**
     * Without a flow: say the first message and listen for yes, no (or repeat); thank the caller
     * either way and end with the end message.
     */
    static Flow builtIn(AssistantConfig config) {
        var end = new Step.End(Optional.empty(), Step.EndedReason.ASSISTANT_ENDED);
        var listen = new Listen(List.of(
                new Listen.Intent("yes", List.of("yes", "yeah", "yep", "sure", "of course", "okay"), "yes"),
                new Listen.Intent("no", List.of("no", "nope", "not now", "no thanks"), "no")),
                Map.of(), Listen.NoMatch.DEFAULT, Listen.NoInput.DEFAULT);
        return new Flow(List.of(
                new Step("start", Optional.of(Template.lenient(config.firstMessage())), listen),
                new Step("yes", Optional.of(Template.parse("Great, thank you.")), end),
                new Step("no", Optional.of(Template.parse("No problem.")), end)));
    }

    @Override
    public Session start(String callId, JsonNode variables) {
        return new FlowSession(variables == null ? JsonNodeFactory.instance.objectNode() : variables);
    }

    /** A phrase to look for, and what hearing it means. */
    private record Phrase(Words words, Meaning meaning) {}

    private sealed interface Meaning {
        record GoTo(String step) implements Meaning {}

        /** Say the listening step's line again. */
        record Repeat() implements Meaning {}

        record EndCall() implements Meaning {}
    }

    private record Hearing(List<Phrase> phrases, List<String> expect) {}

    private Hearing hearing(Listen l) {
        List<Phrase> phrases = new ArrayList<>();
        Set<String> expect = new LinkedHashSet<>();
        for (Listen.Intent in : l.intents()) {
            for (String p : in.phrases()) {
                phrases.add(new Phrase(Words.of(p), new Meaning.GoTo(in.goTo())));
            }
        }
        if (l.intents().stream().noneMatch(in -> in.name().equals(REPEAT))) {
            REPEAT_PHRASES.forEach(p -> phrases.add(new Phrase(Words.of(p), new Meaning.Repeat())));
        }
        phrases.forEach(p -> expect.add(p.words().text()));
        endCallPhrases.forEach(p -> expect.add(p.words().text()));
        return new Hearing(List.copyOf(phrases), List.copyOf(expect));
    }

    /**
     * The phrase that occurs earliest in what was heard (the caller's first words carry the
     * answer: "no, yes I mean" is a no); at the same place the longer phrase, so "no thanks" beats "no".
     */
    private static Optional<Phrase> firstMatch(Words heard, List<Phrase> phrases) {
        Phrase best = null;
        int bestAt = Integer.MAX_VALUE;
        for (Phrase p : phrases) {
            int at = heard.indexOf(p.words());
            if (at >= 0 && (at < bestAt || at == bestAt && p.words().tokens().size() > best.words().tokens().size())) {
                best = p;
                bestAt = at;
            }
        }
        return Optional.ofNullable(best);
    }

    private final class FlowSession implements Session {
        private final JsonNode variables;
        private Step current;
        private int noMatches;
        private int noInputs;
        private boolean ended;

        FlowSession(JsonNode variables) {
            this.variables = variables;
        }

        @Override
        public synchronized Reply respond(Input input, List<Turn> transcript) {
            if (ended) {
                return Reply.of(List.of());
            }
            List<Part> parts = new ArrayList<>();
            if (current == null || input instanceof Input.Answered) {
                // Input before the answer (the callee spoke first) starts the flow just the same.
                enter(flow.start(), parts);
                return Reply.of(parts);
            }
            switch (current.next()) {
                case Listen listen -> answer(listen, input, parts);
                case Step.Transfer t -> {
                    if (input instanceof Input.TransferFailed) {
                        transferFailed(t, parts);
                    } // anything else while the transfer is under way waits for its outcome
                }
                case Step.GoTo g -> throw new IllegalStateException("the flow rests only on steps that listen or transfer");
                case Step.End e -> throw new IllegalStateException("an ended flow answers nothing");
                case Step.Continue c -> throw new IllegalStateException("the flow rests only on steps that listen or transfer");
            }
            return Reply.of(parts);
        }

        private void answer(Listen listen, Input input, List<Part> parts) {
            switch (input) {
                case Input.Answered a -> throw new IllegalStateException("handled by respond");
                case Input.Heard h -> heard(Words.of(h.text()), listen, parts);
                case Input.Digit d -> {
                    String target = listen.dtmf().get(String.valueOf(d.digit()));
                    if (target == null) {
                        noMatch(listen, parts);
                    } else {
                        enter(step(target), parts);
                    }
                }
                case Input.NoInput n -> noInput(listen, parts);
                case Input.TransferFailed t -> { } // not this step's: it listens
            }
        }

        /** The far end refused the transfer: the step's on_transfer_failed, or goodbye. */
        private void transferFailed(Step.Transfer t, List<Part> parts) {
            if (t.onFailed().isPresent()) {
                enter(step(t.onFailed().get()), parts);
            } else {
                end(Optional.empty(), Step.EndedReason.ASSISTANT_ENDED, parts);
            }
        }

        private void heard(Words words, Listen listen, List<Part> parts) {
            if (words.isEmpty()) {
                noMatch(listen, parts);
                return;
            }
            if (firstMatch(words, endCallPhrases).isPresent()) {
                end(Optional.empty(), Step.EndedReason.ASSISTANT_ENDED, parts);
                return;
            }
            Optional<Phrase> match = firstMatch(words, hearings.get(current.id()).phrases());
            if (match.isEmpty()) {
                noMatch(listen, parts);
                return;
            }
            switch (match.get().meaning()) {
                case Meaning.GoTo g -> enter(step(g.step()), parts);
                case Meaning.Repeat r -> enter(current, parts);
                case Meaning.EndCall e -> end(Optional.empty(), Step.EndedReason.ASSISTANT_ENDED, parts);
            }
        }

        private void noMatch(Listen listen, List<Part> parts) {
            Listen.NoMatch nm = listen.noMatch();
            if (++noMatches <= nm.retries()) {
                say(nm.say(), parts);
                listen(current, parts);
            } else if (nm.goTo().isPresent()) {
                enter(step(nm.goTo().get()), parts);
            } else {
                end(Optional.empty(), Step.EndedReason.ASSISTANT_ENDED, parts);
            }
        }

        private void noInput(Listen listen, List<Part> parts) {
            Listen.NoInput ni = listen.noInput();
            if (++noInputs <= ni.retries()) {
                say(ni.say(), parts);
                listen(current, parts);
            } else if (ni.goTo().isPresent()) {
                enter(step(ni.goTo().get()), parts);
            } else {
                end(Optional.empty(), Step.EndedReason.SILENCE_TIMEOUT, parts);
            }
        }

        /**
         * Say each step's line and follow its jumps until a step listens, ends or transfers. The flow was
         * checked for jump loops when it was saved; the bound only guards flows built in code.
         */
        private void enter(Step step, List<Part> parts) {
            noMatches = 0;
            noInputs = 0;
            for (int hops = 0; hops <= flow.steps().size(); hops++) {
                current = step;
                switch (step.next()) {
                    case Listen l -> {
                        step.say().ifPresent(t -> say(t, parts));
                        listen(step, parts);
                        return;
                    }
                    case Step.End e -> {
                        step.say().ifPresent(t -> say(t, parts));
                        end(e.say(), e.reason(), parts);
                        return;
                    }
                    case Step.Transfer t -> {
                        // Heard whole, like a closing line: the call leaves once it has played.
                        step.say().ifPresent(line -> say(line, false, parts));
                        parts.add(new Part.Transfer(t.destination()));
                        return;
                    }
                    case Step.GoTo g -> {
                        step.say().ifPresent(t -> say(t, parts));
                        step = step(g.step());
                    }
                    case Step.Continue c -> {
                        step.say().ifPresent(t -> say(t, parts));
                        Step from = step;
                        step = flow.after(from).orElseThrow(() -> new IllegalStateException(
                                "step " + from.id() + " is last and neither listens nor ends"));
                    }
                }
            }
            throw new IllegalStateException("the flow jumps in a loop without listening");
        }

        private void listen(Step step, List<Part> parts) {
            Listen l = (Listen) step.next();
            Duration timeout = l.noInput().timeoutSeconds().map(Duration::ofSeconds).orElse(defaultNoInputTimeout);
            parts.add(new Part.Listen(hearings.get(step.id()).expect(), timeout));
        }

        private void say(Template t, List<Part> parts) {
            say(t, true, parts);
        }

        private void say(Template t, boolean interruptible, List<Part> parts) {
            String text = t.render(variables).strip();
            if (!text.isEmpty()) {
                parts.add(new Part.Say(text, interruptible));
            }
        }

        private void end(Optional<Template> say, Step.EndedReason reason, List<Part> parts) {
            String text = say.orElse(endMessage).render(variables).strip();
            if (!text.isEmpty()) {
                parts.add(new Part.Say(text, false));
            }
            parts.add(new Part.EndCall(reason.reason()));
            ended = true;
        }

        private Step step(String id) {
            return flow.step(id).orElseThrow(() -> new IllegalStateException("no step " + id));
        }
    }
}
