package dev.parley.call;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.number.PhoneNumbers;
import dev.parley.safeguards.DailyCaps;
import dev.parley.safeguards.DoNotCall;
import dev.parley.safeguards.RetryOutcome;
import dev.parley.safeguards.RetryRule;
import dev.parley.webhook.Outbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The next attempt of a call, created in the transaction that writes the ended call's final status
 * ({@link CallTransitions}): the retry exists if and only if that end committed, so a node that dies
 * in between leaves either both or neither. An end is written once (the status check under the row
 * lock), and the unique index on {@code (parent_call_id, attempt)} makes a second writer's insert a
 * no-op all the same.
 *
 * <p>The next attempt is a call of its own: a new {@code calls} row ({@code queued}, the same
 * assistant, number, variables, metadata, webhook URL and rule), its first history entry, its dial
 * job due after the rule's backoff ({@code scheduled_at}, {@code scheduled_reason = 'retry'}) and its
 * {@code call.queued} event. It is refused, with the reason in the ended call's history, on the same
 * terms as a create-call: the number is on the do-not-call list or no longer an allowed destination,
 * the assistant was deleted or disabled, the workspace deleted. Calling hours and the workspace's
 * limits apply when the dialer claims it, as for any call.
 */
final class Retries {
    private final CallStore calls;
    private final Outbox outbox;
    private final ObjectMapper json;

    Retries(CallStore calls, Outbox outbox, ObjectMapper json) {
        this.calls = calls;
        this.outbox = outbox;
        this.json = json;
    }

    /** What the end of a call means for its series. {@link #note} is added to the ended call's last history entry. */
    sealed interface Decision {
        Optional<String> note();

        /** No rule, or an outcome the rule does not retry after. */
        record None() implements Decision {
            @Override
            public Optional<String> note() {
                return Optional.empty();
            }
        }

        /** The rule asked for a retry and a check refused it. */
        record Refused(String why) implements Decision {
            @Override
            public Optional<String> note() {
                return Optional.of("not retried: " + why);
            }
        }

        /** The next attempt, created (its call.queued event follows the ended call's events). */
        record Next(Call call, int maxAttempts) implements Decision {
            @Override
            public Optional<String> note() {
                return Optional.of("retried as " + call.id() + " (attempt " + call.attempt() + " of " + maxAttempts + "), due "
                        + call.scheduledAt());
            }
        }
    }

    private record Series(String rule, String toCountry, boolean assistantLive, boolean workspaceLive, boolean listed,
                          boolean countryRefused, boolean typeRefused) {}

    /**
     * Called with the ended call's row locked and its final status written: creates the next attempt
     * when the rule wants one and every check allows it.
     */
    Decision afterEnd(Handle h, Call ended, EndReason reason, Instant now) {
        Optional<RetryOutcome> outcome = reason.retryOutcome(ended.answeredAt() != null,
                ended.answeredBy() == null ? null : ended.answeredBy().who());
        // A web call is never tried again: nobody would be at the browser (it is accepted with no rule, too).
        if (outcome.isEmpty() || ended.channel() == Channel.WEB) {
            return new Decision.None();
        }
        Series s = series(h, ended);
        if (s.rule() == null) {
            return new Decision.None();
        }
        RetryRule rule = RetryRule.read(read(s.rule()));
        if (!rule.wants(outcome.get())) {
            return new Decision.None();
        }
        if (ended.attempt() >= rule.maxAttempts()) {
            return new Decision.Refused("attempt " + ended.attempt() + " of " + rule.maxAttempts() + " was the last");
        }
        Optional<String> refusal = s.listed() ? Optional.of("the number is on the do-not-call list")
                : s.countryRefused() ? Optional.of("the workspace's allowed_countries no longer includes the number's country")
                : s.typeRefused() ? Optional.of("the workspace's blocked_number_types refuses this kind of number")
                : !s.workspaceLive() ? Optional.of("the workspace was deleted")
                : !s.assistantLive() ? Optional.of("the assistant was deleted or disabled")
                : Optional.empty();
        if (refusal.isEmpty()) {
            refusal = DailyCaps.retryRefusal(h, ended.id());
        }
        if (refusal.isPresent()) {
            return new Decision.Refused(refusal.get());
        }
        int next = ended.attempt() + 1;
        Instant due = now.plus(rule.backoff().before(next)).truncatedTo(ChronoUnit.MILLIS); // as readable in the history as in GET
        String root = ended.parentCallId() == null ? ended.id() : ended.parentCallId();
        String id = CallIds.next();
        boolean created = h.createUpdate("""
                        INSERT INTO calls (id, workspace_id, assistant_id, to_number, to_country, from_number, status, variables,
                                           metadata, webhook_url, created_at, updated_at, scheduled_at, scheduled_reason, attempt,
                                           parent_call_id, retry, reserved_seconds, calling_window)
                        SELECT :id, workspace_id, assistant_id, to_number, to_country, from_number, 'queued', variables, metadata,
                               webhook_url, :now, :now, :due, 'retry', :attempt, :root, retry, COALESCE(reserved_seconds, :held),
                               calling_window
                          FROM calls WHERE id = :ended
                        ON CONFLICT (parent_call_id, attempt) WHERE parent_call_id IS NOT NULL DO NOTHING""")
                .bind("held", DailyCaps.DEFAULT_RESERVATION_SECONDS)
                .bind("id", id).bind("now", now).bind("due", due).bind("attempt", next).bind("root", root)
                .bind("ended", ended.id()).execute() == 1;
        if (!created) {
            return new Decision.None(); // this end was already recorded once, with its retry
        }
        DailyCaps.countRetry(h, id);
        h.createUpdate("INSERT INTO call_events (call_id, status, reason, at) VALUES (:id, 'queued', :reason, :now)")
                .bind("id", id).bind("now", now)
                .bind("reason", "retry (attempt " + next + " of " + rule.maxAttempts() + ") of " + root + " after attempt "
                        + ended.attempt() + " (" + ended.id() + ") ended " + outcome.get().wire() + "; due " + due)
                .execute();
        h.createUpdate("INSERT INTO dial_jobs (call_id, workspace_id, run_at, created_at) VALUES (:id, :ws, :due, :now)")
                .bind("id", id).bind("ws", ended.workspaceId()).bind("due", due).bind("now", now).execute();
        return new Decision.Next(calls.find(h, id).orElseThrow(), rule.maxAttempts());
    }

    /** The next attempt's {@code call.queued}, written after the ended call's own events so they arrive in that order. */
    void announce(Handle h, Decision d, Instant now) {
        if (d instanceof Decision.Next next) {
            outbox.append(h, next.call().workspaceId(), next.call().id(), Outbox.QUEUED,
                    CallJson.queued(json.createObjectNode(), next.call()), now);
        }
    }

    private Series series(Handle h, Call ended) {
        return h.createQuery("""
                        SELECT c.retry::text, c.to_country,
                               (a.id IS NOT NULL AND a.enabled) AS assistant_live,
                               (w.id IS NOT NULL AND w.deleted_at IS NULL) AS workspace_live,
                               %s AS listed,
                               COALESCE(cardinality(w.allowed_countries) > 0
                                        AND NOT (COALESCE(c.to_country, '') = ANY (w.allowed_countries)), false) AS country_refused,
                               COALESCE(:type = ANY (w.blocked_number_types), false) AS type_refused
                          FROM calls c
                          LEFT JOIN assistants a ON a.id = c.assistant_id AND a.workspace_id = c.workspace_id AND a.deleted_at IS NULL
                          LEFT JOIN workspaces w ON w.id = c.workspace_id
                         WHERE c.id = :id""".formatted(DoNotCall.listedSql("c.workspace_id", "c.to_number")))
                .bind("id", ended.id()).bind("type", PhoneNumbers.type(ended.toNumber()))
                .map((rs, ctx) -> new Series(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getBoolean(4),
                        rs.getBoolean(5), rs.getBoolean(6), rs.getBoolean(7)))
                .one();
    }

    private JsonNode read(String rule) {
        try {
            return json.readTree(rule);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
