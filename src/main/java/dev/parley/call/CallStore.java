package dev.parley.call;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.ai.Usage;
import dev.parley.amd.AnsweredBy;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Calls, their events and dial jobs in PostgreSQL. */
public final class CallStore {
    private static final String COLUMNS = """
            id, workspace_id, assistant_id, to_number, from_number, status, variables::text AS variables,
            metadata::text AS metadata, webhook_url, ended_reason, sip_code, created_at, updated_at, started_at,
            answered_at, ended_at, scheduled_at, dtmf, seq, summary, structured_data::text AS structured_data,
            llm_prompt_tokens, llm_completion_tokens, stt_seconds, tts_characters, answered_by, answered_by_beep,
            answered_by_confidence, answered_by_ms, carrier_code, attempt, parent_call_id, channel""";

    /** Takes over a key older than 24 hours; a key held by an open transaction makes this wait for it. */
    private static final String CLAIM_KEY = """
            INSERT INTO idempotency_keys (workspace_id, key, request_hash, call_id) VALUES (?, ?, ?, ?)
            ON CONFLICT (workspace_id, key) DO UPDATE
                SET request_hash = excluded.request_hash, call_id = excluded.call_id, created_at = now()
                WHERE idempotency_keys.created_at < now() - interval '24 hours'
            RETURNING call_id""";

    private static final String FIND_KEY = "SELECT request_hash, call_id FROM idempotency_keys WHERE workspace_id = ? AND key = ?";

    private final Jdbi jdbi;
    private final DataSource dataSource;
    private final ObjectMapper json;

    public CallStore(Jdbi jdbi, DataSource dataSource, ObjectMapper json) {
        this.jdbi = jdbi;
        this.dataSource = dataSource;
        this.json = json;
    }

    /** The write path of create-call runs on plain JDBC: it is the hottest path and JDBI's per-handle setup showed in profiles. */
    Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    boolean claimIdempotencyKey(Connection c, String workspaceId, String key, byte[] requestHash, String callId) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(CLAIM_KEY)) {
            st.setString(1, workspaceId);
            st.setString(2, key);
            st.setBytes(3, requestHash);
            st.setString(4, callId);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }

    record IdempotentCall(byte[] requestHash, String callId) {}

    /** A separate statement from the claim, so it sees the winner's committed row. */
    Optional<IdempotentCall> findIdempotencyKey(Connection c, String workspaceId, String key) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(FIND_KEY)) {
            st.setString(1, workspaceId);
            st.setString(2, key);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.of(new IdempotentCall(rs.getBytes(1), rs.getString(2))) : Optional.empty();
            }
        }
    }

    /** A call by id alone, in the caller's transaction: for the parts that act on calls (dialer, transitions). */
    Optional<Call> find(Handle h, String callId) {
        Optional<Row> row = h.createQuery("SELECT " + COLUMNS + " FROM calls WHERE id = :id")
                .bind("id", callId).map((rs, ctx) -> row(rs, List.<CallEvent>of())).findOne();
        return row.map(Row::call);
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
            return Optional.of(row(row.get(), history, TranscriptStore.turns(h, callId)).call());
        });
    }

    record Row(Call call, long seq) {}

    List<Row> page(String workspaceId, CallFilter filter, long beforeSeq, int limit) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM calls WHERE workspace_id = :ws AND seq < :before"
                        + (filter.status().isPresent() ? " AND status = :status" : "")
                        + (filter.parentCallId().isPresent() ? " AND parent_call_id = :parent" : "")
                        + (filter.attempt().isPresent() ? " AND attempt = :attempt" : "")
                        + (filter.assistantId().isPresent() ? " AND assistant_id = :assistant" : "")
                        + (filter.toNumber().isPresent() ? " AND to_number = :to" : "")
                        + (filter.createdAfter().isPresent() ? " AND created_at >= :after" : "")
                        + (filter.createdBefore().isPresent() ? " AND created_at < :created_before" : "")
                        + (filter.channel().isPresent() ? " AND channel = :channel" : "")
                        + " ORDER BY seq DESC LIMIT :limit")
                .bind("ws", workspaceId).bind("before", beforeSeq).bind("limit", limit)
                .bind("status", filter.status().map(CallStatus::wire).orElse(null))
                .bind("parent", filter.parentCallId().orElse(null))
                .bind("attempt", filter.attempt().orElse(null))
                .bind("assistant", filter.assistantId().orElse(null))
                .bind("to", filter.toNumber().orElse(null))
                .bind("after", filter.createdAfter().map(Timestamp::from).orElse(null))
                .bind("created_before", filter.createdBefore().map(Timestamp::from).orElse(null))
                .bind("channel", filter.channel().map(Channel::wire).orElse(null))
                .map((rs, ctx) -> row(rs, List.of())).list());
    }

    private static Row row(Row r, List<CallEvent> history, List<TranscriptTurn> transcript) {
        Call c = r.call();
        return new Row(new Call(c.id(), c.workspaceId(), c.assistantId(), c.toNumber(), c.fromNumber(), c.status(),
                c.variables(), c.metadata(), c.webhookUrl(), c.endedReason(), c.sipCode(), c.createdAt(), c.updatedAt(),
                c.startedAt(), c.answeredAt(), c.endedAt(), c.scheduledAt(), c.dtmf(), history, transcript, c.summary(),
                c.structuredData(), c.usage(), c.answeredBy(), c.carrierCode(), c.attempt(), c.parentCallId(), c.channel()), r.seq());
    }

    private Row row(ResultSet rs, List<CallEvent> history) throws SQLException {
        try {
            int sip = rs.getInt("sip_code");
            Integer sipCode = rs.wasNull() ? null : sip;
            String structuredData = rs.getString("structured_data");
            Call call = new Call(rs.getString("id"), rs.getString("workspace_id"), rs.getString("assistant_id"),
                    rs.getString("to_number"), rs.getString("from_number"),
                    CallStatus.fromWire(rs.getString("status")).orElseThrow(),
                    json.readTree(rs.getString("variables")), json.readTree(rs.getString("metadata")),
                    rs.getString("webhook_url"), rs.getString("ended_reason"), sipCode,
                    instant(rs.getTimestamp("created_at")), instant(rs.getTimestamp("updated_at")),
                    instant(rs.getTimestamp("started_at")), instant(rs.getTimestamp("answered_at")),
                    instant(rs.getTimestamp("ended_at")), instant(rs.getTimestamp("scheduled_at")), rs.getString("dtmf"), history, List.of(),
                    rs.getString("summary"), structuredData == null ? null : json.readTree(structuredData),
                    new Usage.Snapshot(rs.getLong("llm_prompt_tokens"), rs.getLong("llm_completion_tokens"),
                            rs.getDouble("stt_seconds"), rs.getLong("tts_characters")),
                    answeredBy(rs), rs.getString("carrier_code"), rs.getInt("attempt"), rs.getString("parent_call_id"),
                    Channel.fromWire(rs.getString("channel")).orElseThrow());
            return new Row(call, rs.getLong("seq"));
        } catch (IOException e) {
            throw new SQLException("call " + rs.getString("id") + " has unreadable JSON", e);
        }
    }

    private static AnsweredBy answeredBy(ResultSet rs) throws SQLException {
        String who = rs.getString("answered_by");
        if (who == null) {
            return null;
        }
        return new AnsweredBy(AnsweredBy.Who.valueOf(who), rs.getBoolean("answered_by_beep"),
                rs.getFloat("answered_by_confidence"), rs.getInt("answered_by_ms"));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
