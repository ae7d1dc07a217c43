package dev.parley.ai.flow;

import dev.parley.call.EndReason;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/** One step of a {@link Flow}: optionally say something, then do what {@link #next} says. */
public record Step(String id, Optional<Template> say, Next next) {

    /** What happens once the step's line is said. */
    public sealed interface Next permits Listen, GoTo, End, Transfer, Continue {}

    /** Jump to another step. */
    public record GoTo(String step) implements Next {}

    /** Say the closing line and hang up; without {@code say} the assistant's {@code end_message} is said. */
    public record End(Optional<Template> say, EndedReason reason) implements Next {}

    /**
     * Hand the call to an E.164 number or SIP URI once the line is said. If the far end refuses,
     * go to {@code onFailed}, or without one say the assistant's {@code end_message} and hang up.
     */
    public record Transfer(String destination, Optional<String> onFailed) implements Next {}

    /** Carry on with the next step in the list. */
    public record Continue() implements Next {}

    public enum EndedReason {
        ASSISTANT_ENDED(EndReason.ASSISTANT_ENDED), SILENCE_TIMEOUT(EndReason.SILENCE_TIMEOUT);

        private final EndReason reason;
        private final String wire;

        EndedReason(EndReason reason) {
            this.reason = reason;
            this.wire = reason.wire();
        }

        public String wire() {
            return wire;
        }

        public EndReason reason() {
            return reason;
        }

        public static Optional<EndedReason> fromWire(String s) {
            for (EndedReason r : values()) {
                if (r.wire.equals(s)) {
                    return Optional.of(r);
                }
            }
            return Optional.empty();
        }
    }

    Set<String> variables() {
        Set<String> names = new LinkedHashSet<>();
        say.ifPresent(t -> names.addAll(t.variables()));
        switch (next) {
            case Listen l -> {
                names.addAll(l.noMatch().say().variables());
                names.addAll(l.noInput().say().variables());
            }
            case End e -> e.say().ifPresent(t -> names.addAll(t.variables()));
            case GoTo g -> { }
            case Transfer t -> { }
            case Continue c -> { }
        }
        return names;
    }
}
