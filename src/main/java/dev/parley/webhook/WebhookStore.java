package dev.parley.webhook;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The outbox's deliveries and attempts in PostgreSQL.
 *
 * <p>Claims and outcomes commit with {@code synchronous_commit = off}: they do not wait for the WAL
 * flush. Losing one in a crash only means the delivery is still pending and is sent again, which
 * at-least-once delivery allows; the events themselves are committed synchronously with the call
 * change they report. Waiting for a flush per delivery capped delivery near the disk's flush rate
 * and slowed every other commit, create-call included.
 */
public final class WebhookStore {
    private final Jdbi jdbi;

    public WebhookStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** A delivery a worker now owns until its lease ends. */
    record Claimed(String id, String eventId, String url, int attempt, String workspaceId, Instant createdAt, String payload) {}

    /**
     * Leases up to {@code limit} due deliveries. A delivery waits while an earlier event of the same
     * call is still pending, which keeps each call's events in order; SKIP LOCKED lets many workers
     * and nodes claim side by side; the lease lets another node take over from one that died.
     */
    List<Claimed> claim(String worker, Duration lease, int limit) {
        return jdbi.inTransaction(h -> relaxed(h).createQuery("""
                        UPDATE webhook_deliveries d
                           SET lease_until = now() + make_interval(secs => :lease), leased_by = :worker, attempts = d.attempts + 1
                         WHERE d.id IN (
                               SELECT c.id FROM webhook_deliveries c
                                WHERE c.state = 'pending' AND c.next_attempt_at <= now()
                                  AND (c.lease_until IS NULL OR c.lease_until < now())
                                  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p
                                                   WHERE p.call_id = c.call_id AND p.event_seq < c.event_seq AND p.state = 'pending')
                                ORDER BY c.next_attempt_at, c.event_seq
                                LIMIT :limit
                                FOR UPDATE SKIP LOCKED)
                        RETURNING d.id, d.event_id, d.url, d.attempts, d.workspace_id, d.created_at,
                                  (SELECT e.payload::text FROM webhook_events e WHERE e.id = d.event_id) AS payload""")
                .bind("lease", lease.toMillis() / 1000.0).bind("worker", worker).bind("limit", limit)
                .map((rs, ctx) -> new Claimed(rs.getString("id"), rs.getString("event_id"), rs.getString("url"),
                        rs.getInt("attempts"), rs.getString("workspace_id"), rs.getTimestamp("created_at").toInstant(),
                        rs.getString("payload")))
                .list());
    }

    /** What one attempt came to. {@code nextAttempt} empty means final: delivered or failed. */
    record Outcome(String state, Integer statusCode, String error, long latencyMs, Optional<Instant> nextAttempt) {}

    record Finished(Claimed delivery, Outcome outcome) {}

    /**
     * Records attempts and the deliveries' new states, for deliveries this worker still holds, in
     * one transaction and two JDBC batches: outcomes arrive from many concurrent sends, and one
     * transaction each would hold a pool connection per send.
     */
    void finish(String worker, List<Finished> finished) {
        jdbi.useTransaction(h -> {
            relaxed(h);
            var attempts = h.prepareBatch(
                    "INSERT INTO webhook_attempts (delivery_id, status_code, error, latency_ms) VALUES (:d, :code, :err, :ms)");
            var states = h.prepareBatch("""
                    UPDATE webhook_deliveries SET state = :state, last_status_code = :code, last_error = :err,
                           next_attempt_at = COALESCE(:next, next_attempt_at), lease_until = NULL, leased_by = NULL,
                           delivered_at = CASE WHEN :state = 'delivered' THEN now() END
                     WHERE id = :id AND leased_by = :worker""");
            for (Finished f : finished) {
                Outcome o = f.outcome();
                attempts.bind("d", f.delivery().id()).bind("code", o.statusCode()).bind("err", o.error())
                        .bind("ms", (int) o.latencyMs()).add();
                states.bind("state", o.state()).bind("code", o.statusCode()).bind("err", o.error())
                        .bind("next", o.nextAttempt().map(Timestamp::from).orElse(null))
                        .bind("id", f.delivery().id()).bind("worker", worker).add();
            }
            attempts.execute();
            states.execute();
        });
    }

    /** This transaction's commit does not wait for the WAL flush (see the class comment). */
    private static org.jdbi.v3.core.Handle relaxed(org.jdbi.v3.core.Handle h) {
        h.execute("SET LOCAL synchronous_commit TO OFF");
        return h;
    }

    public record Attempt(Instant at, Integer statusCode, String error, long latencyMs) {}

    public record Delivery(String id, String eventId, String eventType, String callId, String url, String state,
                           int attempts, Instant nextAttemptAt, Integer lastStatusCode, String lastError,
                           Instant createdAt, Instant deliveredAt, long seq, List<Attempt> log) {}

    public List<Delivery> page(String workspaceId, Optional<String> callId, long beforeSeq, int limit) {
        return jdbi.withHandle(h -> {
            List<Delivery> rows = h.createQuery("""
                            SELECT d.*, e.type FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
                             WHERE d.workspace_id = :ws AND d.event_seq < :before""" + (callId.isPresent() ? " AND d.call_id = :call" : "")
                            + " ORDER BY d.event_seq DESC LIMIT :limit")
                    .bind("ws", workspaceId).bind("before", beforeSeq).bind("call", callId.orElse(null)).bind("limit", limit)
                    .map((rs, ctx) -> new Delivery(rs.getString("id"), rs.getString("event_id"), rs.getString("type"),
                            rs.getString("call_id"), rs.getString("url"), rs.getString("state"), rs.getInt("attempts"),
                            rs.getTimestamp("next_attempt_at").toInstant(), (Integer) rs.getObject("last_status_code"),
                            rs.getString("last_error"), rs.getTimestamp("created_at").toInstant(),
                            Optional.ofNullable(rs.getTimestamp("delivered_at")).map(Timestamp::toInstant).orElse(null),
                            rs.getLong("event_seq"), List.of()))
                    .list();
            return rows.stream().map(d -> new Delivery(d.id(), d.eventId(), d.eventType(), d.callId(), d.url(), d.state(),
                    d.attempts(), d.nextAttemptAt(), d.lastStatusCode(), d.lastError(), d.createdAt(), d.deliveredAt(), d.seq(),
                    h.createQuery("SELECT at, status_code, error, latency_ms FROM webhook_attempts WHERE delivery_id = :d ORDER BY id")
                            .bind("d", d.id())
                            .map((rs, ctx) -> new Attempt(rs.getTimestamp(1).toInstant(), (Integer) rs.getObject(2),
                                    rs.getString(3), rs.getLong(4)))
                            .list())).toList();
        });
    }

    /** Puts a delivery back in line to be sent now; false when it is not in the workspace. */
    public boolean retryNow(String workspaceId, String deliveryId) {
        return jdbi.withHandle(h -> h.createUpdate("""
                        UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = now(), lease_until = NULL, leased_by = NULL
                         WHERE id = :id AND workspace_id = :ws""")
                .bind("id", deliveryId).bind("ws", workspaceId).execute() == 1);
    }
}
