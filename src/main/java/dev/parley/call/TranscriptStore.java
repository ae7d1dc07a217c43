package dev.parley.call;

import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** A call's transcript turns and their latencies in PostgreSQL ({@code call_turns}). */
public final class TranscriptStore {
    private final Jdbi jdbi;

    public TranscriptStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public void append(String callId, TranscriptTurn t) {
        TurnLatency l = t.latency();
        jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO call_turns (call_id, seq, speaker, text, start_ms, end_ms, interrupted, error,
                                                endpointing_ms, stt_ms, responder_ms, tts_ms, platform_ms, total_ms)
                        VALUES (:call, :seq, :speaker, :text, :start, :end, :interrupted, :error,
                                :endpointing, :stt, :responder, :tts, :platform, :total)
                        ON CONFLICT DO NOTHING""")
                .bind("call", callId).bind("seq", t.seq()).bind("speaker", t.speaker()).bind("text", t.text())
                .bind("start", t.startMs()).bind("end", t.endMs()).bind("interrupted", t.interrupted())
                .bind("error", t.error())
                .bind("endpointing", l == null ? null : l.endpointingMs()).bind("stt", l == null ? null : l.sttMs())
                .bind("responder", l == null ? null : l.responderMs()).bind("tts", l == null ? null : l.ttsMs())
                .bind("platform", l == null ? null : l.platformMs()).bind("total", l == null ? null : l.totalMs())
                .execute());
    }

    public List<TranscriptTurn> turns(String callId) {
        return jdbi.withHandle(h -> turns(h, callId));
    }

    static List<TranscriptTurn> turns(Handle h, String callId) {
        return h.createQuery("""
                        SELECT seq, speaker, text, start_ms, end_ms, interrupted, error, endpointing_ms, stt_ms,
                               responder_ms, tts_ms, platform_ms, total_ms
                          FROM call_turns WHERE call_id = :id ORDER BY seq""")
                .bind("id", callId)
                .map((rs, ctx) -> {
                    Integer total = (Integer) rs.getObject("total_ms");
                    TurnLatency latency = total == null ? null : new TurnLatency((Integer) rs.getObject("endpointing_ms"),
                            (Integer) rs.getObject("stt_ms"), (Integer) rs.getObject("responder_ms"),
                            (Integer) rs.getObject("tts_ms"), (Integer) rs.getObject("platform_ms"), total);
                    return new TranscriptTurn(rs.getInt("seq"), rs.getString("speaker"), rs.getString("text"),
                            rs.getLong("start_ms"), rs.getLong("end_ms"), rs.getBoolean("interrupted"), rs.getString("error"),
                            latency);
                }).list();
    }
}
