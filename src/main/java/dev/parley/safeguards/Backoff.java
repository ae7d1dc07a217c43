package dev.parley.safeguards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.error.JsonFields;
import dev.parley.error.Problem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * How long to wait before each next attempt: exponential ({@code {"initial_seconds": 300,
 * "multiplier": 2, "max_seconds": 3600}}: 5, 10, 20, 40, 60, 60 minutes...) or a list of delays
 * ({@code [300, 1800, 7200]}: before attempt 2, 3, 4; the last one repeats).
 *
 * <p>Every delay is at least a minute: a line that was busy a second ago still is, and quick redials
 * of one number are what carriers flag as abuse. At most a day, so a series of ten attempts ends
 * within ten days.
 */
public sealed interface Backoff {
    int MIN_SECONDS = 60;
    int MAX_SECONDS = 86_400;
    Exponential DEFAULT = new Exponential(300, 2, 3600);

    /** The wait before attempt {@code next} (2 for the first retry). */
    Duration before(int next);

    JsonNode write();

    record Exponential(int initialSeconds, double multiplier, int maxSeconds) implements Backoff {
        @Override
        public Duration before(int next) {
            double seconds = initialSeconds * Math.pow(multiplier, Math.max(0, next - 2));
            return Duration.ofSeconds((long) Math.min(seconds, maxSeconds));
        }

        @Override
        public JsonNode write() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("initial_seconds", initialSeconds);
            if (multiplier == Math.rint(multiplier)) {
                o.put("multiplier", (long) multiplier); // 2, as it was most likely written, not 2.0
            } else {
                o.put("multiplier", multiplier);
            }
            o.put("max_seconds", maxSeconds);
            return o;
        }
    }

    record Delays(List<Integer> seconds) implements Backoff {
        public Delays {
            seconds = List.copyOf(seconds);
        }

        @Override
        public Duration before(int next) {
            return Duration.ofSeconds(seconds.get(Math.min(Math.max(0, next - 2), seconds.size() - 1)));
        }

        @Override
        public JsonNode write() {
            var a = JsonNodeFactory.instance.arrayNode();
            seconds.forEach(a::add);
            return a;
        }
    }

    /** {@code where} is the field's path ({@code config.retry.backoff}, {@code retry.backoff}). */
    static Backoff parse(JsonNode raw, String where) {
        if (raw == null || raw.isNull()) {
            return DEFAULT;
        }
        if (raw.isArray()) {
            if (raw.isEmpty() || raw.size() > RetryRule.MAX_ATTEMPTS - 1) {
                throw Problem.invalid(where, "'" + where + "' as a list holds 1 to " + (RetryRule.MAX_ATTEMPTS - 1)
                        + " delays in seconds, the wait before attempt 2, 3, ... (the last one repeats), like [300, 1800, 7200]");
            }
            List<Integer> seconds = new ArrayList<>();
            for (JsonNode d : raw) {
                if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < MIN_SECONDS || d.intValue() > MAX_SECONDS) {
                    throw Problem.invalid(where, "'" + where + "' delays must be whole seconds from " + MIN_SECONDS + " to "
                            + MAX_SECONDS + " (a minute to a day)");
                }
                seconds.add(d.intValue());
            }
            return new Delays(seconds);
        }
        if (!raw.isObject()) {
            throw Problem.invalid(where, "'" + where + "' must be an object like {\"initial_seconds\": 300, \"multiplier\": 2,"
                    + " \"max_seconds\": 3600} or a list of delays in seconds like [300, 1800], not " + JsonFields.typeName(raw));
        }
        ObjectNode o = (ObjectNode) raw;
        JsonFields.rejectUnknown(o, where, Set.of("initial_seconds", "multiplier", "max_seconds"));
        int initial = JsonFields.optionalInt(o, "initial_seconds", where, MIN_SECONDS, MAX_SECONDS).orElse(DEFAULT.initialSeconds());
        double multiplier = DEFAULT.multiplier();
        JsonNode m = o.get("multiplier");
        if (m != null && !m.isNull()) {
            if (!m.isNumber() || m.doubleValue() < 1 || m.doubleValue() > 10) {
                throw Problem.invalid(where + ".multiplier", "'" + where + ".multiplier' must be a number from 1 (the same"
                        + " delay every time) to 10");
            }
            multiplier = m.doubleValue();
        }
        int max = JsonFields.optionalInt(o, "max_seconds", where, MIN_SECONDS, MAX_SECONDS)
                .orElse(Math.max(initial, DEFAULT.maxSeconds()));
        if (max < initial) {
            throw Problem.invalid(where + ".max_seconds", "'" + where + ".max_seconds' (" + max + ") is below"
                    + " initial_seconds (" + initial + "); make it at least " + initial);
        }
        return new Exponential(initial, multiplier, max);
    }
}
