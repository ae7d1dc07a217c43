package dev.parley.ai.flow;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Wait for the caller: what they say is matched against the intents, a key they press against
 * {@code dtmf}; anything else is a no-match, and silence a no-input, each retried a few times.
 *
 * @param dtmf key ("0"-"9", "*", "#") to step id, in the order given
 */
public record Listen(List<Intent> intents, Map<String, String> dtmf, NoMatch noMatch, NoInput noInput)
        implements Step.Next {

    public Listen {
        intents = List.copyOf(intents);
        dtmf = Collections.unmodifiableMap(new LinkedHashMap<>(dtmf));
    }

    /** @param phrases as configured; matching normalises them ({@link Words}) */
    public record Intent(String name, List<String> phrases, String goTo) {
        public Intent {
            phrases = List.copyOf(phrases);
        }
    }

    /** @param goTo where to go once the retries are used up; without it the call ends */
    public record NoMatch(Template say, int retries, Optional<String> goTo) {
        public static final NoMatch DEFAULT = new NoMatch(Template.parse("Sorry, I didn't catch that."), 2, Optional.empty());
    }

    /**
     * @param timeoutSeconds how long to wait for the caller to start speaking; without it the
     *     assistant's {@code turn_taking.no_input_timeout_seconds} applies
     * @param goTo where to go once the retries are used up; without it the call ends as a silence timeout
     */
    public record NoInput(Template say, int retries, Optional<Integer> timeoutSeconds, Optional<String> goTo) {
        public static final NoInput DEFAULT = new NoInput(Template.parse("Are you still there?"), 1, Optional.empty(),
                Optional.empty());
    }
}
