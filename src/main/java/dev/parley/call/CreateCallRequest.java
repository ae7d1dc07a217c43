package dev.parley.call;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.assistant.AssistantConfigJson;
import dev.parley.assistant.AssistantService;
import dev.parley.error.JsonFields;
import dev.parley.error.Problem;
import dev.parley.number.PhoneNumbers;
import dev.parley.safeguards.RetryRule;
import dev.parley.safeguards.CallingWindow;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The body of {@code POST /v1/admin/assistant/call}: the seed's {@code assistant_id} and
 * {@code to_number}, plus Parley's optional {@code from_number}, {@code variables} (strings for the
 * assistant's templates), {@code metadata} (kept and reported back), {@code webhook_url},
 * {@code scheduled_at}, {@code retry} (empty: the assistant's rule; {@link RetryRule#NONE} for an
 * explicit null), {@code on_capacity} (what to do when the workspace's concurrency or rate limit
 * would make the call wait) and {@code calling_window} (this call's calling hours: null for none).
 * Or the body of {@code POST /v1/admin/assistant/web-call} ({@link #parseWeb}): a call from a browser.
 */
public record CreateCallRequest(String assistantId, Callee callee, Optional<String> fromNumber,
                                ObjectNode variables, ObjectNode metadata, Optional<String> webhookUrl,
                                Optional<Instant> scheduledAt, Optional<RetryRule> retry, OnCapacity onCapacity,
                                CallingWindow.Choice callingWindow) {
    static final Set<String> FIELDS = Set.of("assistant_id", "to_number", "from_number", "variables", "metadata", "webhook_url",
            "scheduled_at", "retry", "on_capacity", "calling_window");
    static final Set<String> WEB_FIELDS = Set.of("assistant_id", "variables", "metadata", "webhook_url");

    /** Who the call reaches: a number, or a browser that joins with a token shown once. */
    public sealed interface Callee {
        Channel channel();

        record Phone(PhoneNumbers.E164Number number) implements Callee {
            @Override
            public Channel channel() {
                return Channel.PHONE;
            }
        }

        /** Only the token's SHA-256 is kept; the browser must join by {@code joinBy}. */
        record Web(byte[] tokenSha256, Instant joinBy) implements Callee {
            @Override
            public Channel channel() {
                return Channel.WEB;
            }
        }
    }

    /** The number called, or null for a web call. */
    public PhoneNumbers.E164Number to() {
        return callee instanceof Callee.Phone p ? p.number() : null;
    }

    /** A call that would wait for {@code max_concurrent_calls} or {@code calls_per_second}: queued (as always), or refused with 429. */
    public enum OnCapacity {
        QUEUE, REJECT;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
    static final Duration MAX_SCHEDULE = Duration.ofDays(30);
    private static final int MAX_VARIABLES = 100;

    public static CreateCallRequest parse(JsonNode body) {
        ObjectNode root = JsonFields.object(body, "");
        JsonFields.rejectUnknown(root, "", FIELDS);
        String toRaw = JsonFields.optionalString(root, "to_number", "", 64).orElseThrow(
                () -> Problem.invalid("to_number", "'to_number' is required: the phone number to call in E.164 format, like +14155550123"));
        String assistantRaw = JsonFields.optionalString(root, "assistant_id", "", 64).orElseThrow(
                () -> Problem.invalid("assistant_id", "'assistant_id' is required: the id of the assistant that places the call"));
        String assistantId = AssistantService.checkId(assistantRaw);
        PhoneNumbers.E164Number to = PhoneNumbers.parse("to_number", toRaw);
        Optional<String> from = JsonFields.optionalString(root, "from_number", "", 64)
                .map(f -> PhoneNumbers.parse("from_number", f).number());
        ObjectNode variables = JsonFields.optionalObject(root, "variables", "").orElseGet(JsonNodeFactory.instance::objectNode);
        checkVariables(variables);
        ObjectNode metadata = JsonFields.optionalObject(root, "metadata", "").orElseGet(JsonNodeFactory.instance::objectNode);
        Optional<String> webhook = JsonFields.optionalString(root, "webhook_url", "", 2_000)
                .map(u -> AssistantConfigJson.checkWebhookUrl("webhook_url", u));
        Optional<Instant> scheduled = JsonFields.optionalString(root, "scheduled_at", "", 64).map(CreateCallRequest::schedule);
        Optional<RetryRule> retry = !root.has("retry") ? Optional.empty()
                : root.get("retry").isNull() ? Optional.of(RetryRule.NONE) : Optional.of(RetryRule.parse(root.get("retry"), "retry"));
        OnCapacity onCapacity = JsonFields.optionalString(root, "on_capacity", "", 16).map(CreateCallRequest::onCapacity)
                .orElse(OnCapacity.QUEUE);
        CallingWindow.Choice window = CallingWindow.choice(root, "calling_window", "");
        return new CreateCallRequest(assistantId, new Callee.Phone(to), from, variables, metadata, webhook, scheduled, retry,
                onCapacity, window);
    }

    /**
     * A web call: {@code assistant_id}, optional {@code variables}, {@code metadata} and {@code webhook_url},
     * checked as for a phone call. It has no number, so no calling hours; it is never retried (nobody
     * would be at the browser for a later attempt); and it does not wait for the workspace's
     * {@code max_concurrent_calls} or {@code calls_per_second}: someone is waiting at the browser, so a
     * full workspace refuses it at once (429), as {@code on_capacity: "reject"} does.
     */
    public static CreateCallRequest parseWeb(JsonNode body, Callee.Web web) {
        ObjectNode root = JsonFields.object(body, "");
        JsonFields.rejectUnknown(root, "", WEB_FIELDS);
        String assistantRaw = JsonFields.optionalString(root, "assistant_id", "", 64).orElseThrow(
                () -> Problem.invalid("assistant_id", "'assistant_id' is required: the id of the assistant to talk to"));
        String assistantId = AssistantService.checkId(assistantRaw);
        ObjectNode variables = JsonFields.optionalObject(root, "variables", "").orElseGet(JsonNodeFactory.instance::objectNode);
        checkVariables(variables);
        ObjectNode metadata = JsonFields.optionalObject(root, "metadata", "").orElseGet(JsonNodeFactory.instance::objectNode);
        Optional<String> webhook = JsonFields.optionalString(root, "webhook_url", "", 2_000)
                .map(u -> AssistantConfigJson.checkWebhookUrl("webhook_url", u));
        return new CreateCallRequest(assistantId, web, Optional.empty(), variables, metadata, webhook, Optional.empty(),
                Optional.of(RetryRule.NONE), OnCapacity.REJECT, new CallingWindow.Choice.Off());
    }

    private static OnCapacity onCapacity(String raw) {
        return switch (raw) {
            case "queue" -> OnCapacity.QUEUE;
            case "reject" -> OnCapacity.REJECT;
            default -> throw Problem.invalid("on_capacity", "'on_capacity' must be \"queue\" (the default: a call over the"
                    + " workspace's max_concurrent_calls or calls_per_second waits its turn) or \"reject\" (it is refused with 429)");
        };
    }

    /** An ISO 8601 time with a zone, at most 30 days ahead; a time in the past means now. */
    private static Instant schedule(String raw) {
        Instant at;
        try {
            at = OffsetDateTime.parse(raw.strip()).toInstant();
        } catch (DateTimeParseException e) {
            throw Problem.invalid("scheduled_at", "'scheduled_at' must be an ISO 8601 time with a zone, like 2026-12-01T09:30:00Z"
                    + " or 2026-12-01T15:00:00+05:30");
        }
        if (at.isAfter(Instant.now().plus(MAX_SCHEDULE))) {
            throw Problem.invalid("scheduled_at", "'scheduled_at' is more than 30 days ahead; schedule it later");
        }
        return at;
    }

    private static void checkVariables(ObjectNode variables) {
        if (variables.size() > MAX_VARIABLES) {
            throw Problem.invalid("variables", "'variables' has " + variables.size() + " entries; the limit is " + MAX_VARIABLES);
        }
        Iterator<Map.Entry<String, JsonNode>> it = variables.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (!e.getKey().matches("[A-Za-z_][A-Za-z0-9_]{0,63}")) {
                throw Problem.invalid("variables", "Variable names are letters, digits and _ (at most 64, not starting"
                        + " with a digit), as used in {{name}} templates");
            }
            if (!e.getValue().isTextual()) {
                throw Problem.invalid("variables." + e.getKey(), "'variables." + e.getKey() + "' must be a string, not "
                        + JsonFields.typeName(e.getValue()));
            }
        }
    }
}
