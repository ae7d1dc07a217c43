package dev.parley.call;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Calls, their events and dial jobs in PostgreSQL. */
public final class CallStore {
    private static final String COLUMNS = """
            id, workspace_id, assistant_id, to_number, from_number, status, variables::text AS variables,
            metadata::text AS metadata, webhook_url, ended_reason, sip_code, created_at, updated_at, started_at,
            answered_at, ended_at, seq""";

    /**
     * The call row, its first event and its dial job in one statement, and only if the assistant
     * exists in the workspace and is enabled; the select at the end says which of those held.
     */
    private static final String INSERT_QUEUED = """
            WITH a AS (
                SELECT id, enabled FROM assistants WHERE id = :assistant AND workspace_id = :ws AND deleted_at IS NULL
            ), c AS (
                INSERT INTO calls (id, workspace_id, assistant_id, to_number, to_country, from_number, status,
                                   variables, metadata, webhook_url)
                SELECT :id, :ws, a.id, :to, :country, :from, 'queued',
                       CAST(:variables AS jsonb), CAST(:metadata AS jsonb), :webhook
                FROM a WHERE a.enabled
                RETURNING id, created_at
            ), e AS (
                INSERT INTO call_events (call_id, status, reason, at)
                SELECT id, 'queued', 'accepted through the API', created_at FROM c
            ), j AS (
                INSERT INTO dial_jobs (call_id, workspace_id, run_at) SELECT id, :ws, created_at FROM c
            )
            SELECT (SELECT enabled FROM a) AS enabled, EXISTS (SELECT 1 FROM c) AS created""";

    private final Jdbi jdbi;
    private final ObjectMapper json;

    public CallStore(Jdbi jdbi, ObjectMapper json) {
        this.jdbi = jdbi;
        this.json = json;
    }

    Jdbi jdbi() {
        return jdbi;
    }

    enum InsertOutcome { CREATED, NO_ASSISTANT, ASSISTANT_DISABLED }

    InsertOutcome insertQueued(Handle h, String callId, String workspaceId, CreateCallRequest r) {
        return h.createQuery(INSERT_QUEUED)
                .bind("id", callId).bind("ws", workspaceId).bind("assistant", r.assistantId())
                .bind("to", r.to().number()).bind("country", r.to().regionCode()).bind("from", r.fromNumber().orElse(null))
                .bind("variables", r.variables().toString())
                .bind("metadata", r.metadata().toString())
                .bind("webhook", r.webhookUrl().orElse(null))
                .map((rs, ctx) -> {
                    if (rs.getBoolean("created")) {
                        return InsertOutcome.CREATED;
                    }
                    rs.getBoolean("enabled");
                    return rs.wasNull() ? InsertOutcome.NO_ASSISTANT : InsertOutcome.ASSISTANT_DISABLED;
                })
                .one();
    }

    /**
     * Claims an idempotency key for a new call. A row older than 24 hours is taken over. When another
     * transaction holds the key uncommitted, PostgreSQL makes this wait for it to finish.
     */
    boolean claimIdempotencyKey(Handle h, String workspaceId, String key, byte[] requestHash, String callId) {
        return h.createQuery("""
                        INSERT INTO idempotency_keys (workspace_id, key, request_hash, call_id) VALUES (:ws, :key, :hash, :call)
                        ON CONFLICT (workspace_id, key) DO UPDATE
                            SET request_hash = excluded.request_hash, call_id = excluded.call_id, created_at = now()
                            WHERE idempotency_keys.created_at < now() - interval '24 hours'
                        RETURNING call_id""")
                .bind("ws", workspaceId).bind("key", key).bind("hash", requestHash).bind("call", callId)
                .mapTo(String.class).findOne().isPresent();
    }

    record IdempotentCall(byte[] requestHash, String callId) {}

    /** A separate statement from the claim, so it sees the winner's committed row. */
    Optional<IdempotentCall> findIdempotencyKey(Handle h, String workspaceId, String key) {
        return h.createQuery("SELECT request_hash, call_id FROM idempotency_keys WHERE workspace_id = :ws AND key = :key")
                .bind("ws", workspaceId).bind("key", key)
                .map((rs, ctx) -> new IdempotentCall(rs.getBytes(1), rs.getString(2))).findOne();
    }

    Optional<Call> find(String workspaceId, String callId) {
        return jdbi.withHandle(h -> {
            Optional<Row> row = h.createQuery("SELECT " + COLUMNS + " FROM calls WHERE id = :id AND workspace_id = :ws")
                    .bind("id", callId).bind("ws", workspaceId).map((rs, ctx) -> row(rs, List.<CallEvent>of())).findOne();
            if (row.isEmpty()) {
                return Optional.empty();
            }
            List<CallEvent> history = h.createQuery("SELECT status, reason, at FROM call_events WHERE call_id = :id ORDER BY id")
                    .bind("id", callId)
                    .map((rs, ctx) -> new CallEvent(CallStatus.fromWire(rs.getString(1)).orElseThrow(), rs.getString(2),
                            rs.getTimestamp(3).toInstant()))
                    .list();
            return Optional.of(row(row.get(), history).call());
        });
    }

    record Row(Call call, long seq) {}

    List<Row> page(String workspaceId, Optional<CallStatus> status, long beforeSeq, int limit) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM calls WHERE workspace_id = :ws AND seq < :before"
                        + (status.isPresent() ? " AND status = :status" : "") + " ORDER BY seq DESC LIMIT :limit")
                .bind("ws", workspaceId).bind("before", beforeSeq).bind("limit", limit)
                .bind("status", status.map(CallStatus::wire).orElse(null))
                .map((rs, ctx) -> row(rs, List.of())).list());
    }

    private static Row row(Row r, List<CallEvent> history) {
        Call c = r.call();
        return new Row(new Call(c.id(), c.workspaceId(), c.assistantId(), c.toNumber(), c.fromNumber(), c.status(),
                c.variables(), c.metadata(), c.webhookUrl(), c.endedReason(), c.sipCode(), c.createdAt(), c.updatedAt(),
                c.startedAt(), c.answeredAt(), c.endedAt(), history), r.seq());
    }

    private Row row(ResultSet rs, List<CallEvent> history) throws SQLException {
        try {
            int sip = rs.getInt("sip_code");
            Integer sipCode = rs.wasNull() ? null : sip;
            Call call = new Call(rs.getString("id"), rs.getString("workspace_id"), rs.getString("assistant_id"),
                    rs.getString("to_number"), rs.getString("from_number"),
                    CallStatus.fromWire(rs.getString("status")).orElseThrow(),
                    json.readTree(rs.getString("variables")), json.readTree(rs.getString("metadata")),
                    rs.getString("webhook_url"), rs.getString("ended_reason"), sipCode,
                    instant(rs.getTimestamp("created_at")), instant(rs.getTimestamp("updated_at")),
                    instant(rs.getTimestamp("started_at")), instant(rs.getTimestamp("answered_at")),
                    instant(rs.getTimestamp("ended_at")), history);
            return new Row(call, rs.getLong("seq"));
        } catch (IOException e) {
            throw new SQLException("call " + rs.getString("id") + " has unreadable JSON", e);
        }
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
