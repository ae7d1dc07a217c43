package dev.parley.call;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.amd.AnsweredBy;
import dev.parley.safeguards.DailyCaps;
import dev.parley.webhook.Outbox;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The one way a call's status changes after it was accepted. In one transaction, with the call row
 * locked: the move is checked against {@link CallStatus#canMoveTo}, the timings are stamped
 * ({@code started_at} on ringing, {@code answered_at} on answer, {@code ended_at} on a final
 * status), the history gets its event row, and the outbox gets the webhook events:
 * {@code call.ringing}, {@code call.answered}, or {@code call.ended} then {@code call.report}; with a
 * final status, the next attempt when the call's retry rule asks for one ({@link Retries}), and the
 * call's reserved minutes given back to its day ({@link DailyCaps#release}).
 * A move that is not allowed (a second hang-up, a late 180 after the end) changes nothing.
 */
public final class CallTransitions {
    private final Jdbi jdbi;
    private final CallStore calls;
    private final Outbox outbox;
    private final ObjectMapper json;
    private final InstantSource clock;
    private final Runnable eventsWritten;
    private final MeterRegistry metrics;
    private final Retries retries;

    public CallTransitions(Jdbi jdbi, CallStore calls, Outbox outbox, ObjectMapper json, InstantSource clock,
                           Runnable eventsWritten, MeterRegistry metrics) {
        this.metrics = metrics;
        this.jdbi = jdbi;
        this.calls = calls;
        this.outbox = outbox;
        this.json = json;
        this.clock = clock;
        this.eventsWritten = eventsWritten;
        this.retries = new Retries(calls, outbox, json);
    }

    /** A move on the way (ringing, answered): never a final status, which only {@link #end} makes. */
    public Optional<Call> move(String callId, CallStatus to, String detail) {
        return move(callId, to, detail, clock.instant());
    }

    /** The time moves are stamped with; a move stored later than it happened takes it along. */
    public Instant now() {
        return clock.instant();
    }

    /** A move that happened {@code at}, stored later (the database was restarting): the call's times stay true. */
    public Optional<Call> move(String callId, CallStatus to, String detail, Instant at) {
        if (to.isFinal()) {
            throw new IllegalArgumentException("a final status is reached through end(), with its reason");
        }
        return moved(jdbi.inTransaction(h -> moveIn(h, callId, to, detail, null, null, null, at)));
    }

    /**
     * The call's end: its final status follows from {@code reason} ({@link EndReason#status()}).
     * @return the call after the move, or empty when it had already ended (nothing changed)
     */
    public Optional<Call> end(String callId, EndReason reason, Integer sipCode, String detail) {
        return end(callId, reason, sipCode, detail, CallAnalysis.none(CallAnalysis.NO_USAGE));
    }

    /** The end of a call this node held: what it used and what the model made of it are stored with it and reported. */
    public Optional<Call> end(String callId, EndReason reason, Integer sipCode, String detail, CallAnalysis analysis) {
        return end(callId, reason, sipCode, detail, analysis, clock.instant());
    }

    /** As above, for an end that happened {@code at} and is stored later (after the analysis, or a database restart). */
    public Optional<Call> end(String callId, EndReason reason, Integer sipCode, String detail, CallAnalysis analysis, Instant at) {
        return moved(jdbi.inTransaction(h -> moveIn(h, callId, reason.status(), detail, reason, sipCode, analysis, at)));
    }

    /** {@link #end} inside a larger transaction; call {@link #committed()} after it commits. */
    public Optional<Call> endIn(Handle h, String callId, EndReason reason, Integer sipCode, String detail) {
        return moveIn(h, callId, reason.status(), detail, reason, sipCode, CallAnalysis.none(CallAnalysis.NO_USAGE), clock.instant());
    }

    private Optional<Call> moved(Optional<Call> call) {
        call.ifPresent(c -> committed());
        return call;
    }

    private Optional<Call> moveIn(Handle h, String callId, CallStatus to, String detail, EndReason ending, Integer sipCode,
                                  CallAnalysis analysis, Instant at) {
        String current = h.createQuery("SELECT status FROM calls WHERE id = :id FOR UPDATE")
                .bind("id", callId).mapTo(String.class).findOne().orElse(null);
        if (current == null || !CallStatus.fromWire(current).orElseThrow().canMoveTo(to)) {
            return Optional.<Call>empty();
        }
        Instant now = at;
        h.createUpdate("""
                        UPDATE calls SET status = :status, updated_at = :now,
                               started_at = CASE WHEN :ringing AND started_at IS NULL THEN :now ELSE started_at END,
                               answered_at = CASE WHEN :answered THEN :now ELSE answered_at END,
                               ended_at = CASE WHEN :final THEN :now ELSE ended_at END,
                               ended_reason = COALESCE(:reason, ended_reason), sip_code = COALESCE(:sip, sip_code)
                         WHERE id = :id""")
                .bind("status", to.wire()).bind("now", now).bind("ringing", to == CallStatus.RINGING)
                .bind("answered", to == CallStatus.IN_PROGRESS).bind("final", to.isFinal())
                .bind("reason", ending == null ? null : ending.wire()).bind("sip", sipCode).bind("id", callId)
                .execute();
        Retries.Decision retry = new Retries.Decision.None();
        if (to.isFinal()) {
            store(h, callId, analysis);
            // The caps' lock before the day's counters, as a create takes them: a retry below counts there too.
            DailyCaps.lockOfCall(h, callId);
            DailyCaps.release(h, callId);
            // The next attempt, if any, commits with this end or not at all; the end's history says which.
            retry = retries.afterEnd(h, calls.find(h, callId).orElseThrow(), ending, now);
        }
        count(to, ending);
        String history = retry.note().map(note -> detail + "; " + note).orElse(detail);
        h.createUpdate("INSERT INTO call_events (call_id, status, reason, at) VALUES (:id, :status, :reason, :now)")
                .bind("id", callId).bind("status", to.wire()).bind("reason", history).bind("now", now).execute();
        if (to.isFinal()) {
            // The dial job lives exactly as long as the call does: a final call has no work left.
            h.execute("DELETE FROM dial_jobs WHERE call_id = ?", callId);
        }
        Call call = calls.find(h, callId).orElseThrow();
        writeEvents(h, call, now, to.isFinal() ? TranscriptStore.turns(h, callId) : List.of());
        retries.announce(h, retry, now);
        return Optional.of(call);
    }

    /** Written once, with the final status: the report is built from the row. */
    private void store(Handle h, String callId, CallAnalysis a) {
        h.createUpdate("""
                        UPDATE calls SET summary = :summary, structured_data = CAST(:data AS jsonb),
                               llm_prompt_tokens = :prompt, llm_completion_tokens = :completion,
                               stt_seconds = :stt, tts_characters = :tts
                         WHERE id = :id""")
                .bind("summary", a.summary().orElse(null))
                .bind("data", a.structuredData().map(d -> d.toString()).orElse(null))
                .bind("prompt", a.usage().llmPromptTokens()).bind("completion", a.usage().llmCompletionTokens())
                .bind("stt", a.usage().sttSeconds()).bind("tts", a.usage().ttsCharacters())
                .bind("id", callId).execute();
    }

    /**
     * Who answered, with its {@code call.answered_by} event, in one transaction. Not a status change:
     * a verdict arriving after the call ended (it never should: the dialer stores it before the end)
     * changes nothing, so the report and the row agree.
     */
    public void answeredBy(String callId, AnsweredBy verdict) {
        boolean written = jdbi.inTransaction(h -> {
            int n = h.createUpdate("""
                            UPDATE calls SET answered_by = :who, answered_by_beep = :beep, answered_by_confidence = :confidence,
                                   answered_by_ms = :ms, updated_at = :now
                             WHERE id = :id AND ended_at IS NULL""")
                    .bind("who", verdict.who().wire()).bind("beep", verdict.beep())
                    .bind("confidence", (float) verdict.confidence()).bind("ms", verdict.decidedAfterMs())
                    .bind("now", clock.instant()).bind("id", callId).execute();
            if (n == 0) {
                return false;
            }
            Call call = calls.find(h, callId).orElseThrow();
            outbox.append(h, call.workspaceId(), call.id(), Outbox.ANSWERED_BY, summary(call), clock.instant());
            return true;
        });
        if (written) {
            committed();
        }
    }

    /** Appends a digit the callee pressed; kept on the call and in its report. */
    public void recordDtmf(String callId, char digit) {
        jdbi.useHandle(h -> h.execute("UPDATE calls SET dtmf = dtmf || ? WHERE id = ?", String.valueOf(digit), callId));
    }

    /** Tells the webhook dispatcher that events were committed. */
    public void committed() {
        eventsWritten.run();
    }

    /** Calls by the status they reached: {@code parley_calls_total{status=...}}. */
    private void count(CallStatus to, EndReason ending) {
        metrics.counter("parley.calls", "status", to.wire(), "ended_reason", ending == null ? "" : ending.wire()).increment();
    }

    private void writeEvents(Handle h, Call call, Instant now, List<TranscriptTurn> turns) {
        switch (call.status()) {
            case RINGING -> outbox.append(h, call.workspaceId(), call.id(), Outbox.RINGING, summary(call), now);
            case IN_PROGRESS -> outbox.append(h, call.workspaceId(), call.id(), Outbox.ANSWERED, summary(call), now);
            case COMPLETED, BUSY, NO_ANSWER, FAILED, CANCELED -> {
                outbox.append(h, call.workspaceId(), call.id(), Outbox.ENDED, summary(call), now);
                outbox.append(h, call.workspaceId(), call.id(), Outbox.REPORT, report(call, turns), now);
            }
            case QUEUED -> throw new IllegalStateException("no call moves back to queued");
        }
    }

    /** What every status event carries. */
    private ObjectNode summary(Call c) {
        return CallJson.summary(json.createObjectNode(), c);
    }

    /**
     * The end-of-call report: the summary, durations, transcript with per-turn latency, DTMF, the
     * recording, and the call's outcome (the model's summary and fields, usage).
     */
    private ObjectNode report(Call c, List<TranscriptTurn> turns) {
        ObjectNode o = summary(c);
        ObjectNode durations = o.putObject("durations");
        durations.put("ring_seconds", seconds(c.startedAt(), c.answeredAt() != null ? c.answeredAt() : c.endedAt()));
        durations.put("talk_seconds", seconds(c.answeredAt(), c.endedAt()));
        durations.put("total_seconds", seconds(c.createdAt(), c.endedAt()));
        c.durationSeconds().ifPresentOrElse(d -> o.put("duration_seconds", d), () -> o.putNull("duration_seconds"));
        o.set("variables", c.variables());
        TranscriptJson.write(turns, o.putArray("transcript"), o.putArray("latency"));
        var dtmf = o.putArray("dtmf");
        c.dtmf().chars().forEach(d -> dtmf.add(String.valueOf((char) d)));
        o.put("recording_url", TranscriptJson.recordingPath(c));
        CallJson.time(o, "created_at", c.createdAt());
        CallJson.outcome(o, c);
        return o;
    }

    private static Double seconds(Instant from, Instant to) {
        return from == null || to == null ? null : Math.max(0, to.toEpochMilli() - from.toEpochMilli()) / 1000.0;
    }
}
