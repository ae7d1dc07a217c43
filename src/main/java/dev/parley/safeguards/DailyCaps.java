package dev.parley.safeguards;

import dev.parley.error.Problem;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * A workspace's daily caps ({@code max_calls_per_day}, {@code max_call_minutes_per_day}, null for
 * none) and its capacity now (issue 14, item 2).
 *
 * <p>The day is the UTC day of the database's clock when the call is accepted: one boundary for
 * every node and every callee's zone, and a {@code Retry-After} anyone can check. A call counts to
 * the day it was accepted, even if it is dialed later (scheduled, or queued past midnight): the cap
 * bounds what one day's requests can set in motion, which is what stops a runaway loop or a stolen
 * key the same day.
 *
 * <p>Minutes are a budget that each call reserves when accepted: its maximum duration (the
 * assistant's {@code max_duration_seconds}, which the dialer then holds it to) plus
 * {@link #END_ALLOWANCE_SECONDS} for its end to be recorded. When the call ends, the reservation is
 * replaced by what it really used (from answer to end; nothing if never answered). So the day's
 * used plus reserved minutes never fall below what its calls can reach, and a call is accepted only
 * if its reservation fits: the cap holds even for calls that run long. Counting live calls' elapsed
 * time instead would accept calls that together run past the cap, and stopping them would mean
 * hanging up on people mid-sentence.
 *
 * <p>Counts live in {@code workspace_days} rows, bumped by the create-call statement, not summed
 * per request. That statement runs after {@link #lock}, a transaction-scoped advisory lock per
 * workspace: concurrent batches (two writer threads per node, any number of nodes) are serialized
 * per workspace, and each statement starts after the previous batch committed, so it reads the
 * counters and the dial queue as they are.
 */
public final class DailyCaps {
    /** How long after its maximum duration a call's end can still take to be recorded (recording, analysis). */
    public static final int END_ALLOWANCE_SECONDS = 60;
    /** The UTC day a statement counts to. */
    public static final String TODAY_SQL = "(now() AT TIME ZONE 'UTC')::date";
    /** Seconds from now until the next UTC day begins, rounded up. */
    public static final String RESETS_IN_SQL =
            "ceil(extract(epoch FROM (date_trunc('day', now() AT TIME ZONE 'UTC') + interval '1 day') - (now() AT TIME ZONE 'UTC')))::int";

    /** What a call holds when nothing says otherwise: the default max_duration_seconds and the end's allowance. */
    public static final int DEFAULT_RESERVATION_SECONDS = 600 + END_ALLOWANCE_SECONDS;

    private static final String LOCK = """
            SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtext('caps:' || w) AS k FROM unnest(?::text[]) AS w
                                                   ORDER BY k OFFSET 0) AS s""";

    /** A workspace's caps; null means no cap. */
    public record Limits(Integer maxCallsPerDay, Integer maxCallMinutesPerDay) {}

    private DailyCaps() {}

    /**
     * Takes the create-call lock of each workspace, in one order everywhere (no deadlocks between
     * batches), until the transaction ends. The dialer's claims do not take it: they only move calls
     * from waiting to live, which the checks count alike.
     */
    public static void lock(Connection c, String[] workspaceIds) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(LOCK)) {
            st.setArray(1, c.createArrayOf("text", workspaceIds));
            st.execute();
        }
    }

    /**
     * A call ended: its reservation goes back to its day, and what it used (answer to end, whole
     * seconds up) is counted. In the final status's transaction, with the call row locked.
     */
    public static void release(Handle h, String callId) {
        h.createUpdate("""
                        UPDATE workspace_days d
                           SET reserved_seconds = d.reserved_seconds - c.reserved_seconds,
                               used_seconds = d.used_seconds + CASE WHEN c.answered_at IS NULL OR c.ended_at IS NULL THEN 0
                                   ELSE ceil(extract(epoch FROM c.ended_at - c.answered_at))::bigint END
                          FROM calls c
                         WHERE c.id = :id AND c.reserved_seconds IS NOT NULL
                           AND d.workspace_id = c.workspace_id AND d.day = (c.created_at AT TIME ZONE 'UTC')::date""")
                .bind("id", callId).execute();
    }

    /**
     * {@link #lock} of a call's workspace, in the transaction of its final status, before
     * {@link #release}: the same order as a create's (lock, then the day's row), so neither waits for
     * the other in a cycle.
     */
    public static void lockOfCall(Handle h, String callId) {
        h.createQuery("SELECT pg_advisory_xact_lock(hashtext('caps:' || workspace_id))::text FROM calls WHERE id = :id")
                .bind("id", callId).mapTo(String.class).findOne();
    }

    /**
     * A retry is a call accepted today like any other: it counts to today's calls and holds the same
     * minutes as the attempt before it. Under {@link #lock}; empty when it fits, else the cap it would
     * pass. Count it with {@link #countRetry} once it is inserted.
     */
    public static Optional<String> retryRefusal(Handle h, String endedCallId) {
        var room = h.createQuery("""
                        SELECT w.max_calls_per_day, w.max_call_minutes_per_day,
                               COALESCE(d.calls, 0) AS calls, COALESCE(d.used_seconds, 0) + COALESCE(d.reserved_seconds, 0) AS held,
                               COALESCE(c.reserved_seconds, %d) AS reservation
                          FROM calls c JOIN workspaces w ON w.id = c.workspace_id
                          LEFT JOIN workspace_days d ON d.workspace_id = c.workspace_id AND d.day = %s
                         WHERE c.id = :id""".formatted(DEFAULT_RESERVATION_SECONDS, TODAY_SQL))
                .bind("id", endedCallId).mapToMap().one();
        Integer calls = (Integer) room.get("max_calls_per_day");
        Integer minutes = (Integer) room.get("max_call_minutes_per_day");
        long reservation = ((Number) room.get("reservation")).longValue();
        if (calls != null && ((Number) room.get("calls")).longValue() + 1 > calls) {
            return Optional.of("the workspace reached max_calls_per_day (" + calls + ") today (UTC day)");
        }
        if (minutes != null && ((Number) room.get("held")).longValue() + reservation > minutes.longValue() * 60) {
            return Optional.of("the workspace reached max_call_minutes_per_day (" + minutes + ") today (UTC day)");
        }
        return Optional.empty();
    }

    /** Counts an inserted retry ({@code callId}) to today, with the minutes it holds. */
    public static void countRetry(Handle h, String callId) {
        h.createUpdate("""
                        INSERT INTO workspace_days (workspace_id, day, calls, reserved_seconds)
                        SELECT workspace_id, %s, 1, reserved_seconds FROM calls WHERE id = :id
                        ON CONFLICT (workspace_id, day) DO UPDATE
                            SET calls = workspace_days.calls + 1,
                                reserved_seconds = workspace_days.reserved_seconds + excluded.reserved_seconds""".formatted(TODAY_SQL))
                .bind("id", callId).execute();
    }

    /** Live counts against each limit: what {@code GET /v1/admin/workspace} shows. */
    public record Usage(long liveCalls, long callsLastSecond, long queuedCalls, long callsToday, long usedSecondsToday,
                        long reservedSecondsToday, Instant resetsAt) {}

    public static Usage usage(Handle h, String workspaceId) {
        return h.createQuery("""
                        SELECT (SELECT count(*) FROM dial_jobs j WHERE j.workspace_id = :ws AND j.lease_until > now()) AS live,
                               (SELECT count(*) FROM dial_jobs j WHERE j.workspace_id = :ws
                                   AND j.claimed_at > now() - interval '1 second') AS recent,
                               (SELECT count(*) FROM calls c WHERE c.workspace_id = :ws AND c.status = 'queued') AS queued,
                               COALESCE(d.calls, 0) AS calls, COALESCE(d.used_seconds, 0) AS used,
                               COALESCE(d.reserved_seconds, 0) AS reserved,
                               date_trunc('day', now() AT TIME ZONE 'UTC') + interval '1 day' AS resets_at
                          FROM (SELECT 1) AS one
                          LEFT JOIN workspace_days d ON d.workspace_id = :ws AND d.day = """ + TODAY_SQL)
                .bind("ws", workspaceId)
                .map((rs, ctx) -> new Usage(rs.getLong("live"), rs.getLong("recent"), rs.getLong("queued"), rs.getLong("calls"),
                        rs.getLong("used"), rs.getLong("reserved"),
                        rs.getObject("resets_at", java.time.LocalDateTime.class).toInstant(java.time.ZoneOffset.UTC)))
                .one();
    }

    /**
     * Why the create-call statement refused a row over a daily cap, with the day's counters as the
     * statement saw them.
     */
    public record Over(String limit, int cap, int resetsInSeconds, long callsToday, long usedSeconds, long reservedSeconds,
                       int reservation) {}

    /** The 429 for a create-call over a daily cap: names the cap, says when it lifts and how to change it. */
    public static Problem refusal(Over o) {
        if (o.limit().equals("max_calls_per_day")) {
            return Problem.tooManyRequests("daily_cap_reached", "The workspace reached max_calls_per_day (" + o.cap()
                    + "): it accepted " + o.callsToday() + " calls today (UTC day). The count starts again at 00:00 UTC, in "
                    + o.resetsInSeconds() + " s; to allow more, PATCH /v1/admin/workspace {\"limits\": {\"max_calls_per_day\": "
                    + "<higher, or null for no cap>}}", o.resetsInSeconds(), Map.of("limit", o.limit(), "cap", o.cap()));
        }
        long used = minutesUp(o.usedSeconds());
        long held = minutesUp(o.reservedSeconds());
        // When finished calls alone leave no room, only the new day helps; otherwise calls not ended
        // yet give back what they did not use as they end.
        boolean onlyTomorrow = o.usedSeconds() + o.reservation() > (long) o.cap() * 60;
        int retryAfter = onlyTomorrow ? o.resetsInSeconds() : Math.min(60, o.resetsInSeconds());
        return Problem.tooManyRequests("daily_cap_reached", "The workspace reached max_call_minutes_per_day (" + o.cap()
                + "): today's ended calls used " + used + " minutes and calls not ended yet hold " + held
                + ", and this call needs " + minutesUp(o.reservation()) + " (its assistant's max_duration_seconds plus "
                + END_ALLOWANCE_SECONDS + " s for its end). "
                + (onlyTomorrow ? "The minutes start again at 00:00 UTC, in " + o.resetsInSeconds() + " s"
                        : "Calls that end give back what they did not use; retry in a minute")
                + "; to allow more, raise the cap with PATCH /v1/admin/workspace {\"limits\": {\"max_call_minutes_per_day\": ...}}"
                + " or lower the assistant's max_duration_seconds", retryAfter, Map.of("limit", o.limit(), "cap", o.cap()));
    }

    /**
     * The 429 for {@code on_capacity: "reject"} when the call would wait: {@code limit} is
     * {@code max_concurrent_calls} or {@code calls_per_second}.
     */
    public static Problem atCapacity(String limit, int cap, long inUse) {
        boolean concurrency = limit.equals("max_concurrent_calls");
        String what = concurrency ? inUse + " calls are live or waiting to be dialed"
                : inUse + " calls were dialed in the last second or are waiting to be";
        // A live call lasts minutes, a second's dialing budget one second.
        int retryAfter = concurrency ? 5 : 1;
        return Problem.tooManyRequests("at_capacity", "The workspace is at its " + limit + " (" + cap + "): " + what
                + ", and on_capacity is \"reject\". Retry later, send on_capacity \"queue\" (the default) to have the call"
                + " wait its turn, or raise limits." + limit + " with PATCH /v1/admin/workspace", retryAfter,
                Map.of("limit", limit, "cap", cap));
    }

    private static long minutesUp(long seconds) {
        return (seconds + 59) / 60;
    }
}
