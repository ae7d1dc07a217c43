package dev.parley.call;

import dev.parley.assistant.AssistantService;
import dev.parley.error.Problem;
import dev.parley.number.PhoneNumbers;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a listing of calls is narrowed to, from the list's query parameters; empty means any. Each
 * parameter is checked here, so a typo is a 400 naming it rather than an empty list.
 *
 * @param parentCallId a first attempt's id: its retries
 * @param createdAfter calls created at or after this time
 * @param createdBefore calls created before this time
 * @param channel calls to numbers ({@code phone}) or from browsers ({@code web})
 */
public record CallFilter(Optional<CallStatus> status, Optional<String> parentCallId, Optional<Integer> attempt,
                         Optional<String> assistantId, Optional<String> toNumber, Optional<Instant> createdAfter,
                         Optional<Instant> createdBefore, Optional<Channel> channel) {
    /** @param query a query parameter's value by name, or null when absent; a blank value narrows nothing */
    public static CallFilter parse(Function<String, String> query) {
        Function<String, Optional<String>> param = name -> Optional.ofNullable(query.apply(name)).map(String::strip)
                .filter(v -> !v.isEmpty());
        Optional<CallStatus> status = param.apply("status").map(s -> CallStatus.fromWire(s).orElseThrow(() -> Problem.invalid("status",
                "'status' must be one of: " + String.join(", ", Arrays.stream(CallStatus.values()).map(CallStatus::wire).toList()))));
        Optional<String> parent = param.apply("parent_call_id");
        if (parent.isPresent() && !CallIds.isValid(parent.get())) {
            throw Problem.invalid("parent_call_id", "'parent_call_id' is a call id (c_ followed by 24 hexadecimal characters):"
                    + " the first attempt's, to list its retries");
        }
        Optional<Integer> attempt = param.apply("attempt").map(a -> {
            if (!a.matches("[0-9]{1,2}") || Integer.parseInt(a) < 1 || Integer.parseInt(a) > 10) {
                throw Problem.invalid("attempt", "'attempt' is a whole number from 1 (calls as created) to 10");
            }
            return Integer.parseInt(a);
        });
        Optional<String> assistant = param.apply("assistant_id").map(AssistantService::checkId);
        Optional<String> to = Optional.ofNullable(query.apply("to_number")).map(CallFilter::unescapedPlus).map(String::strip)
                .filter(v -> !v.isEmpty()).map(n -> PhoneNumbers.parse("to_number", n).number());
        Optional<Instant> after = param.apply("created_after").map(t -> time("created_after", t));
        Optional<Instant> before = param.apply("created_before").map(t -> time("created_before", t));
        if (after.isPresent() && before.isPresent() && !after.get().isBefore(before.get())) {
            throw Problem.invalid("created_before", "'created_before' must be later than 'created_after'");
        }
        Optional<Channel> channel = param.apply("channel").map(c -> Channel.fromWire(c).orElseThrow(() -> Problem.invalid("channel",
                "'channel' is phone (calls to a number) or web (calls from a browser)")));
        return new CallFilter(status, parent, attempt, assistant, to, after, before, channel);
    }

    /** A {@code +} typed into a query string unescaped (curl '...?to_number=+1415...') arrives as a space. */
    private static String unescapedPlus(String raw) {
        return raw.matches(" [0-9]{7,15}") ? "+" + raw.substring(1) : raw;
    }

    private static Instant time(String field, String raw) {
        try {
            return OffsetDateTime.parse(raw).toInstant();
        } catch (DateTimeParseException e) {
            throw Problem.invalid(field, "'" + field + "' must be an ISO 8601 time with a zone, like 2026-12-01T00:00:00Z"
                    + " or 2026-12-01T00:00:00+05:30");
        }
    }
}
