package dev.parley.ai.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.error.JsonFields;
import dev.parley.error.Problem;
import dev.parley.telephony.TransferDestination;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads an assistant's {@code config.flow} (validating all of it, so a broken flow is refused when
 * it is saved rather than discovered on a call) and writes it back. Every message names the step
 * and the field inside it, since flows are long and indexes alone are hard to find.
 */
public final class FlowJson {
    static final int MAX_STEPS = 200;
    static final int MAX_SAY = 2_000;
    private static final Pattern STEP_ID = Pattern.compile("[a-z0-9_-]{1,64}");
    private static final Pattern DTMF_KEY = Pattern.compile("[0-9*#]");
    private static final Set<String> FLOW_FIELDS = Set.of("steps");
    private static final Set<String> STEP_FIELDS = Set.of("id", "say", "listen", "goto", "end", "transfer",
            "on_transfer_failed");
    private static final Set<String> LISTEN_FIELDS = Set.of("intents", "dtmf", "no_match", "no_input");
    private static final Set<String> INTENT_FIELDS = Set.of("name", "phrases", "goto");
    private static final Set<String> NO_MATCH_FIELDS = Set.of("say", "retries", "goto");
    private static final Set<String> NO_INPUT_FIELDS = Set.of("say", "retries", "timeout_seconds", "goto");
    private static final Set<String> END_FIELDS = Set.of("say", "ended_reason");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private FlowJson() {}

    /** @param path where the flow is in the request, e.g. {@code config.flow} */
    public static Flow parse(JsonNode raw, String path) {
        At root = At.top(path);
        ObjectNode flow = object(raw, root);
        rejectUnknown(flow, root, FLOW_FIELDS);
        At stepsAt = root.field("steps");
        List<JsonNode> items = array(required(flow, "steps", stepsAt), stepsAt, 1, MAX_STEPS);

        List<String> ids = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            At at = stepsAt.index(i);
            ObjectNode s = object(items.get(i), at);
            At idAt = at.field("id");
            String id = string(required(s, "id", idAt), idAt, 64);
            if (!STEP_ID.matcher(id).matches()) {
                throw idAt.bad("is '" + id + "'; step ids are 1 to 64 of a-z, 0-9, _ and -");
            }
            Integer before = seen.putIfAbsent(id, i);
            if (before != null) {
                throw idAt.bad("is '" + id + "', which steps[" + before + "] already uses; step ids must be unique");
            }
            ids.add(id);
        }

        Refs refs = new Refs(ids);
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            At at = stepsAt.index(i).inStep(ids.get(i));
            steps.add(step((ObjectNode) items.get(i), at, ids.get(i), refs, i == items.size() - 1));
        }
        Flow result = new Flow(steps);
        checkNoSilentLoops(result, stepsAt);
        checkReachable(result, stepsAt);
        return result;
    }

    private static Step step(ObjectNode s, At at, String id, Refs refs, boolean last) {
        rejectUnknown(s, at, STEP_FIELDS);
        Optional<Template> say = present(s, "say").map(v -> template(v, at.field("say")));
        List<String> actions = new ArrayList<>();
        for (String f : List.of("listen", "goto", "end", "transfer")) {
            if (present(s, f).isPresent()) {
                actions.add(f);
            }
        }
        if (actions.size() > 1) {
            throw at.field(actions.get(1)).bad("is given together with " + actions.get(0)
                    + "; a step does exactly one of listen, goto, end or transfer (or none of them, to continue with the next step)");
        }
        if (present(s, "on_transfer_failed").isPresent() && !actions.contains("transfer")) {
            throw at.field("on_transfer_failed").bad("is given without transfer; it names the step to go to when a"
                    + " transfer is refused");
        }
        Step.Next next = switch (actions.isEmpty() ? "" : actions.getFirst()) {
            case "listen" -> listen(s.get("listen"), at.field("listen"), refs);
            case "goto" -> new Step.GoTo(refs.check(s.get("goto"), at.field("goto")));
            case "end" -> end(s.get("end"), at.field("end"));
            case "transfer" -> new Step.Transfer(destination(s.get("transfer"), at.field("transfer")),
                    present(s, "on_transfer_failed").map(v -> refs.check(v, at.field("on_transfer_failed"))));
            default -> {
                if (last) {
                    throw at.bad("is the last step but neither listens, jumps (goto) nor ends; add \"end\": {} to hang up");
                }
                yield new Step.Continue();
            }
        };
        return new Step(id, say, next);
    }

    private static Listen listen(JsonNode raw, At at, Refs refs) {
        ObjectNode l = object(raw, at);
        rejectUnknown(l, at, LISTEN_FIELDS);
        List<Listen.Intent> intents = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        At intentsAt = at.field("intents");
        List<JsonNode> items = present(l, "intents").map(v -> array(v, intentsAt, 0, 50)).orElse(List.of());
        for (int i = 0; i < items.size(); i++) {
            At iat = intentsAt.index(i);
            ObjectNode o = object(items.get(i), iat);
            rejectUnknown(o, iat, INTENT_FIELDS);
            At nameAt = iat.field("name");
            String name = string(required(o, "name", nameAt), nameAt, 64).strip();
            if (name.isEmpty()) {
                throw nameAt.bad("must not be empty");
            }
            Integer before = names.putIfAbsent(name, i);
            if (before != null) {
                throw nameAt.bad("is '" + name + "', which intents[" + before + "] already uses; intent names must be unique in a step");
            }
            At phrasesAt = iat.field("phrases");
            List<JsonNode> ps = array(required(o, "phrases", phrasesAt), phrasesAt, 1, 50);
            List<String> phrases = new ArrayList<>();
            for (int p = 0; p < ps.size(); p++) {
                At pat = phrasesAt.index(p);
                String phrase = string(ps.get(p), pat, 200).strip();
                if (!Words.speakable(phrase)) {
                    throw pat.bad("is '" + phrase + "'; a phrase is words: letters, digits, apostrophes and spaces"
                            + " (punctuation is ignored)");
                }
                phrases.add(phrase);
            }
            At gotoAt = iat.field("goto");
            intents.add(new Listen.Intent(name, phrases, refs.check(required(o, "goto", gotoAt), gotoAt)));
        }

        Map<String, String> dtmf = new LinkedHashMap<>();
        At dtmfAt = at.field("dtmf");
        Optional<ObjectNode> keys = present(l, "dtmf").map(v -> object(v, dtmfAt));
        if (keys.isPresent()) {
            var fields = keys.get().fields();
            while (fields.hasNext()) {
                var e = fields.next();
                At kat = dtmfAt.field(e.getKey());
                if (!DTMF_KEY.matcher(e.getKey()).matches()) {
                    throw kat.bad("is not a key; dtmf keys are single characters: 0-9, * or #");
                }
                dtmf.put(e.getKey(), refs.check(e.getValue(), kat));
            }
        }

        Listen.NoMatch noMatch = Listen.NoMatch.DEFAULT;
        At nmAt = at.field("no_match");
        Optional<ObjectNode> nm = present(l, "no_match").map(v -> object(v, nmAt));
        if (nm.isPresent()) {
            rejectUnknown(nm.get(), nmAt, NO_MATCH_FIELDS);
            noMatch = new Listen.NoMatch(
                    present(nm.get(), "say").map(v -> template(v, nmAt.field("say"))).orElse(noMatch.say()),
                    present(nm.get(), "retries").map(v -> integer(v, nmAt.field("retries"), 0, 5)).orElse(noMatch.retries()),
                    present(nm.get(), "goto").map(v -> refs.check(v, nmAt.field("goto"))));
        }

        Listen.NoInput noInput = Listen.NoInput.DEFAULT;
        At niAt = at.field("no_input");
        Optional<ObjectNode> ni = present(l, "no_input").map(v -> object(v, niAt));
        if (ni.isPresent()) {
            rejectUnknown(ni.get(), niAt, NO_INPUT_FIELDS);
            noInput = new Listen.NoInput(
                    present(ni.get(), "say").map(v -> template(v, niAt.field("say"))).orElse(noInput.say()),
                    present(ni.get(), "retries").map(v -> integer(v, niAt.field("retries"), 0, 5)).orElse(noInput.retries()),
                    present(ni.get(), "timeout_seconds").map(v -> integer(v, niAt.field("timeout_seconds"), 1, 60)),
                    present(ni.get(), "goto").map(v -> refs.check(v, niAt.field("goto"))));
        }
        return new Listen(intents, dtmf, noMatch, noInput);
    }

    private static Step.End end(JsonNode raw, At at) {
        ObjectNode e = object(raw, at);
        rejectUnknown(e, at, END_FIELDS);
        Optional<Template> say = present(e, "say").map(v -> template(v, at.field("say")));
        At reasonAt = at.field("ended_reason");
        Step.EndedReason reason = present(e, "ended_reason").map(v -> {
            String s = string(v, reasonAt, 100).strip();
            return Step.EndedReason.fromWire(s).orElseThrow(() -> reasonAt.bad("is '" + s + "'; it must be one of: "
                    + String.join(", ", Arrays.stream(Step.EndedReason.values()).map(Step.EndedReason::wire).toList())));
        }).orElse(Step.EndedReason.ASSISTANT_ENDED);
        return new Step.End(say, reason);
    }

    /** An E.164 number or a SIP URI, checked as a transfer at call time checks it, with the step named. */
    private static String destination(JsonNode raw, At at) {
        String value = string(raw, at, 300);
        try {
            return TransferDestination.parse("transfer", value).text();
        } catch (Problem p) {
            throw at.restate(p);
        }
    }

    /**
     * Steps that neither listen nor end hand over at once; if they lead back to themselves the
     * assistant would talk (or spin) forever without ever hearing the caller. A refused transfer hands
     * over too (the caller said nothing), so a transfer retried in a loop must listen somewhere, or it
     * would send the far end REFER after REFER.
     */
    private static void checkNoSilentLoops(Flow flow, At stepsAt) {
        List<Step> steps = flow.steps();
        for (int i = 0; i < steps.size(); i++) {
            Step first = steps.get(i);
            List<String> path = new ArrayList<>(List.of(first.id()));
            Set<String> onPath = new HashSet<>(path);
            Optional<Step> cur = handsOver(flow, first);
            while (cur.isPresent()) {
                Step s = cur.get();
                path.add(s.id());
                if (s == first) {
                    String field = switch (first.next()) {
                        case Step.GoTo g -> "goto";
                        case Step.Transfer t -> "on_transfer_failed";
                        default -> "";
                    };
                    At at = stepsAt.index(i).inStep(first.id());
                    throw (field.isEmpty() ? at : at.field(field)).bad("starts a loop of steps that never listens or ends ("
                            + String.join(" -> ", path) + "); add a listen or an end to one of them");
                }
                if (!onPath.add(s.id())) {
                    break;
                }
                cur = handsOver(flow, s);
            }
        }
    }

    private static Optional<Step> handsOver(Flow flow, Step s) {
        return switch (s.next()) {
            case Step.GoTo g -> flow.step(g.step());
            case Step.Continue c -> flow.after(s);
            case Step.Transfer t -> t.onFailed().flatMap(flow::step);
            case Listen l -> Optional.empty();
            case Step.End e -> Optional.empty();
        };
    }

    private static void checkReachable(Flow flow, At stepsAt) {
        Set<String> reached = new HashSet<>();
        ArrayDeque<Step> todo = new ArrayDeque<>(List.of(flow.start()));
        while (!todo.isEmpty()) {
            Step s = todo.pop();
            if (!reached.add(s.id())) {
                continue;
            }
            List<String> targets = new ArrayList<>();
            switch (s.next()) {
                case Step.GoTo g -> targets.add(g.step());
                case Step.Continue c -> flow.after(s).ifPresent(n -> targets.add(n.id()));
                case Step.End e -> { }
                case Step.Transfer t -> t.onFailed().ifPresent(targets::add);
                case Listen l -> {
                    l.intents().forEach(in -> targets.add(in.goTo()));
                    targets.addAll(l.dtmf().values());
                    l.noMatch().goTo().ifPresent(targets::add);
                    l.noInput().goTo().ifPresent(targets::add);
                }
            }
            targets.forEach(t -> flow.step(t).ifPresent(todo::push));
        }
        List<Step> steps = flow.steps();
        for (int i = 0; i < steps.size(); i++) {
            if (!reached.contains(steps.get(i).id())) {
                throw stepsAt.index(i).inStep(steps.get(i).id()).bad("cannot be reached from the start step '"
                        + flow.start().id() + "': no goto, intent, dtmf key or step before it leads here");
            }
        }
    }

    public static ObjectNode write(Flow flow) {
        ObjectNode o = NODES.objectNode();
        ArrayNode steps = o.putArray("steps");
        for (Step s : flow.steps()) {
            ObjectNode step = steps.addObject();
            step.put("id", s.id());
            s.say().ifPresent(t -> step.put("say", t.source()));
            switch (s.next()) {
                case Step.GoTo g -> step.put("goto", g.step());
                case Step.Continue c -> { }
                case Step.End e -> {
                    ObjectNode end = step.putObject("end");
                    e.say().ifPresent(t -> end.put("say", t.source()));
                    end.put("ended_reason", e.reason().wire());
                }
                case Step.Transfer t -> {
                    step.put("transfer", t.destination());
                    t.onFailed().ifPresent(f -> step.put("on_transfer_failed", f));
                }
                case Listen l -> step.set("listen", listen(l));
            }
        }
        return o;
    }

    private static ObjectNode listen(Listen l) {
        ObjectNode o = NODES.objectNode();
        ArrayNode intents = o.putArray("intents");
        for (Listen.Intent in : l.intents()) {
            ObjectNode i = intents.addObject();
            i.put("name", in.name());
            ArrayNode phrases = i.putArray("phrases");
            in.phrases().forEach(phrases::add);
            i.put("goto", in.goTo());
        }
        ObjectNode dtmf = o.putObject("dtmf");
        l.dtmf().forEach(dtmf::put);
        ObjectNode noMatch = o.putObject("no_match");
        noMatch.put("say", l.noMatch().say().source());
        noMatch.put("retries", l.noMatch().retries());
        l.noMatch().goTo().ifPresent(g -> noMatch.put("goto", g));
        ObjectNode noInput = o.putObject("no_input");
        noInput.put("say", l.noInput().say().source());
        noInput.put("retries", l.noInput().retries());
        l.noInput().timeoutSeconds().ifPresent(t -> noInput.put("timeout_seconds", t));
        l.noInput().goTo().ifPresent(g -> noInput.put("goto", g));
        return o;
    }

    /** Step ids, for checking that jumps land somewhere. */
    private record Refs(List<String> ids, Set<String> known) {
        Refs(List<String> ids) {
            this(List.copyOf(ids), Set.copyOf(ids));
        }

        String check(JsonNode v, At at) {
            String id = string(v, at, 64);
            if (!known.contains(id)) {
                throw at.bad("names '" + id + "', which is not a step id (steps: " + listed() + ")");
            }
            return id;
        }

        private String listed() {
            return ids.size() <= 20 ? String.join(", ", ids)
                    : String.join(", ", ids.subList(0, 20)) + ", ... " + (ids.size() - 20) + " more";
        }
    }

    /**
     * Where a value is: its full field path for the error envelope, and, inside a step, the step's
     * id and the path relative to it for the message ("step 'greet': listen.intents[0].goto ...").
     */
    private record At(String field, String step, String rel) {
        static At top(String path) {
            return new At(path, null, path);
        }

        At field(String name) {
            return new At(field + "." + name, step, rel.isEmpty() ? name : rel + "." + name);
        }

        At index(int i) {
            return new At(field + "[" + i + "]", step, rel + "[" + i + "]");
        }

        At inStep(String id) {
            return new At(field, id, "");
        }

        Problem bad(String what) {
            String subject = step == null ? "'" + rel + "'" : "step '" + step + "':" + (rel.isEmpty() ? "" : " " + rel);
            return Problem.invalid(field, subject + " " + what);
        }

        /** A check made elsewhere, whose message already names the field: placed at this field, in this step. */
        Problem restate(Problem p) {
            return Problem.invalid(field, (step == null ? "" : "step '" + step + "': ") + p.getMessage());
        }
    }

    private static Optional<JsonNode> present(ObjectNode o, String name) {
        JsonNode v = o.get(name);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v);
    }

    private static JsonNode required(ObjectNode o, String name, At at) {
        return present(o, name).orElseThrow(() -> at.bad("is required"));
    }

    private static void rejectUnknown(ObjectNode o, At at, Set<String> known) {
        var names = o.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                // The name is the client's: shown shortened and printable, kept whole in the field path.
                String shown = name.codePoints().limit(40).map(c -> c < 0x20 || c == 0x7f ? '?' : c)
                        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                        + (name.length() > 40 ? "..." : "");
                At named = at.field(shown);
                throw new At(at.field(name).field(), named.step(), named.rel()).bad("is not a field here (allowed: "
                        + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    private static ObjectNode object(JsonNode v, At at) {
        if (v == null || !v.isObject()) {
            throw at.bad("must be a JSON object, not " + (v == null ? "missing" : JsonFields.typeName(v)));
        }
        return (ObjectNode) v;
    }

    private static List<JsonNode> array(JsonNode v, At at, int min, int max) {
        if (!v.isArray()) {
            throw at.bad("must be an array, not " + JsonFields.typeName(v));
        }
        if (v.size() < min || v.size() > max) {
            throw at.bad("has " + v.size() + " items; it must have " + (min == 0 ? "at most " + max : min + " to " + max));
        }
        List<JsonNode> items = new ArrayList<>(v.size());
        v.forEach(items::add);
        return items;
    }

    private static String string(JsonNode v, At at, int max) {
        if (!v.isTextual()) {
            throw at.bad("must be a string, not " + JsonFields.typeName(v));
        }
        if (v.textValue().length() > max) {
            throw at.bad("is " + v.textValue().length() + " characters long; the limit is " + max);
        }
        return v.textValue();
    }

    private static int integer(JsonNode v, At at, int min, int max) {
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
            throw at.bad("must be a whole number from " + min + " to " + max);
        }
        return v.intValue();
    }

    private static Template template(JsonNode v, At at) {
        String text = string(v, at, MAX_SAY);
        try {
            return Template.parse(text);
        } catch (Template.Malformed e) {
            throw at.bad(e.getMessage());
        }
    }
}
