package dev.parley.safeguards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.error.JsonFields;
import dev.parley.error.Problem;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * When to call again: {@code {"on": ["no-answer", "busy"], "max_attempts": 3, "backoff": ...}}, an
 * assistant's {@code config.retry} or a create-call request's {@code retry} (which wins; a request's
 * {@code "retry": null} turns the assistant's off for that call). {@code max_attempts} counts the
 * first call, so 3 means up to two retries. Left out: {@code on} is no-answer and busy (the outcomes
 * where nobody was reached and a later try can reach someone), {@code max_attempts} 3,
 * {@code backoff} {@link Backoff#DEFAULT}.
 */
public record RetryRule(Set<RetryOutcome> on, int maxAttempts, Backoff backoff) {
    public static final int MAX_ATTEMPTS = 10;
    /** A request's {@code "retry": null}: one attempt, whatever the assistant says. */
    public static final RetryRule NONE = new RetryRule(Set.of(), 1, Backoff.DEFAULT);
    private static final Set<String> FIELDS = Set.of("on", "max_attempts", "backoff");

    public RetryRule {
        on = on.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(on));
    }

    /** Whether a call that ended with {@code outcome} is tried again (attempts left allowing). */
    public boolean wants(RetryOutcome outcome) {
        return on.contains(outcome);
    }

    /** {@code where} is {@code config.retry} or {@code retry}. */
    public static RetryRule parse(JsonNode raw, String where) {
        ObjectNode node = JsonFields.object(raw, where);
        JsonFields.rejectUnknown(node, where, FIELDS);
        Set<RetryOutcome> on = EnumSet.of(RetryOutcome.NO_ANSWER, RetryOutcome.BUSY);
        Optional<List<JsonNode>> items = JsonFields.optionalArray(node, "on", where, 4);
        String onField = where + ".on";
        if (items.isPresent()) {
            if (items.get().isEmpty()) {
                throw Problem.invalid(onField, "'" + onField + "' is empty; name the outcomes to retry after ("
                        + RetryOutcome.names() + "), or set '" + where + "' to null for no retries");
            }
            on = EnumSet.noneOf(RetryOutcome.class);
            for (JsonNode item : items.get()) {
                Optional<RetryOutcome> o = item.isTextual() ? RetryOutcome.fromWire(item.textValue()) : Optional.empty();
                if (o.isEmpty()) {
                    throw Problem.invalid(onField, "'" + onField + "' holds outcomes from: " + RetryOutcome.names()
                            + " (a call a person answered is never retried)");
                }
                on.add(o.get());
            }
        }
        int max = JsonFields.optionalInt(node, "max_attempts", where, 1, MAX_ATTEMPTS).orElse(3);
        return new RetryRule(on, max, Backoff.parse(node.get("backoff"), where + ".backoff"));
    }

    public ObjectNode write() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        var names = o.putArray("on");
        EnumSet.copyOf(on.isEmpty() ? EnumSet.noneOf(RetryOutcome.class) : on).forEach(x -> names.add(x.wire()));
        o.put("max_attempts", maxAttempts);
        o.set("backoff", backoff.write());
        return o;
    }

    /** A rule as stored with a call (written by {@link #write}, so valid). */
    public static RetryRule read(JsonNode stored) {
        ObjectNode node = (ObjectNode) stored;
        Set<RetryOutcome> on = EnumSet.noneOf(RetryOutcome.class);
        node.get("on").forEach(n -> on.add(RetryOutcome.fromWire(n.asText()).orElseThrow()));
        return new RetryRule(on, node.get("max_attempts").asInt(), readBackoff(node.get("backoff")));
    }

    private static Backoff readBackoff(JsonNode b) {
        if (b.isArray()) {
            List<Integer> seconds = new java.util.ArrayList<>();
            b.forEach(d -> seconds.add(d.asInt()));
            return new Backoff.Delays(seconds);
        }
        return new Backoff.Exponential(b.get("initial_seconds").asInt(), b.get("multiplier").asDouble(), b.get("max_seconds").asInt());
    }
}
