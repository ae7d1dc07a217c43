package dev.parley.ai.flow;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A scripted conversation: steps that say something and then listen, jump or end. The first step
 * is the start. Built by {@link FlowJson#parse}, which checks that every jump lands on a step, every
 * step can be reached and no jumps loop without listening; the template variables it uses are
 * collected once here, so placing a call need not walk the steps.
 */
public final class Flow {
    private final List<Step> steps;
    private final Map<String, Step> byId;
    private final Set<String> variables;

    public Flow(List<Step> steps) {
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("a flow needs at least one step");
        }
        this.steps = List.copyOf(steps);
        Map<String, Step> index = new LinkedHashMap<>();
        Set<String> names = new LinkedHashSet<>();
        for (Step s : this.steps) {
            if (index.put(s.id(), s) != null) {
                throw new IllegalArgumentException("two steps are called " + s.id());
            }
            names.addAll(s.variables());
        }
        this.byId = Collections.unmodifiableMap(index);
        this.variables = Collections.unmodifiableSet(names);
    }

    public List<Step> steps() {
        return steps;
    }

    public Step start() {
        return steps.getFirst();
    }

    public Optional<Step> step(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** The step after {@code step} in the list, for steps that neither listen, jump nor end. */
    public Optional<Step> after(Step step) {
        int i = steps.indexOf(step);
        return i >= 0 && i + 1 < steps.size() ? Optional.of(steps.get(i + 1)) : Optional.empty();
    }

    /** Every {@code {{name}}} used in any step, in order of first use. */
    public Set<String> variables() {
        return variables;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Flow f && f.steps.equals(steps);
    }

    @Override
    public int hashCode() {
        return steps.hashCode();
    }

    @Override
    public String toString() {
        return "Flow" + steps;
    }
}
