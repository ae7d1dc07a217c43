package dev.parley.call;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.amd.AnsweredBy;
import java.time.Instant;

/**
 * The one JSON shape of a call: what every webhook event carries and what the API starts its view
 * of a call with (the API adds the request's own fields and the history, the report adds
 * durations and the transcript).
 */
public final class CallJson {
    private CallJson() {}

    /** Who, what, how it stands or ended, and when. */
    public static ObjectNode summary(ObjectNode o, Call c) {
        o.put("call_id", c.id());
        o.put("status", c.status().wire());
        o.put("assistant_id", c.assistantId());
        callee(o, c);
        o.put("from_number", c.fromNumber());
        o.put("ended_reason", c.endedReason());
        if (c.sipCode() == null) {
            o.putNull("sip_code");
        } else {
            o.put("sip_code", c.sipCode());
        }
        o.put("carrier_code", c.carrierCode());
        time(o, "started_at", c.startedAt());
        time(o, "answered_at", c.answeredAt());
        time(o, "ended_at", c.endedAt());
        o.set("metadata", c.metadata());
        answeredBy(o, c.answeredBy());
        attempt(o, c.attempt(), c.parentCallId());
        return o;
    }

    /**
     * {@code channel}, and {@code to_number} for a phone call: a web call has no callee number, and the
     * field is absent rather than null. The create-call statement writes the same into {@code call.queued}
     * in SQL (CallInserts).
     */
    static void callee(ObjectNode o, Call c) {
        o.put("channel", c.channel().wire());
        if (c.toNumber() != null) {
            o.put("to_number", c.toNumber());
        }
    }

    /**
     * {@code attempt} (1 for the call the API created) and {@code parent_call_id} (the first
     * attempt's id on a retry, else null). The create-call statement writes the same two fields into
     * its {@code call.queued} events in SQL (CallInserts).
     */
    static void attempt(ObjectNode o, int attempt, String parentCallId) {
        o.put("attempt", attempt);
        o.put("parent_call_id", parentCallId);
    }

    /** What {@code call.queued} carries: the shape CallInserts writes in SQL for new calls, here for retries. */
    static ObjectNode queued(ObjectNode o, Call c) {
        o.put("call_id", c.id());
        o.put("status", c.status().wire());
        o.put("assistant_id", c.assistantId());
        callee(o, c);
        o.put("from_number", c.fromNumber());
        o.set("variables", c.variables());
        o.set("metadata", c.metadata());
        attempt(o, c.attempt(), c.parentCallId());
        return o;
    }

    /**
     * {@code answered_by}: null until decided (and on calls that do not detect machines), else who,
     * whether a machine's beep was heard, how sure, and how long after the answer it was decided.
     */
    static void answeredBy(ObjectNode o, AnsweredBy a) {
        if (a == null) {
            o.putNull("answered_by");
            return;
        }
        ObjectNode v = o.putObject("answered_by");
        v.put("who", a.who().wire());
        v.put("beep", a.beep());
        v.put("confidence", Math.round(a.confidence() * 100) / 100.0);
        v.put("decided_after_ms", a.decidedAfterMs());
    }

    /**
     * What the call's end added (in its {@code call.report} and its {@code GET}): {@code summary} and
     * {@code structured_data} (null unless the call was analyzed) and {@code usage} (zeros until it ended).
     */
    public static ObjectNode outcome(ObjectNode o, Call c) {
        o.put("summary", c.summary());
        o.set("structured_data", c.structuredData() == null ? o.nullNode() : c.structuredData());
        ObjectNode usage = o.putObject("usage");
        usage.put("llm_prompt_tokens", c.usage().llmPromptTokens());
        usage.put("llm_completion_tokens", c.usage().llmCompletionTokens());
        usage.put("stt_seconds", c.usage().sttSeconds());
        usage.put("tts_characters", c.usage().ttsCharacters());
        return o;
    }

    /**
     * {@code queue}: null unless the call is queued; then why it waits ({@link QueuePlace}), its
     * position and estimated start where they can be computed. The API's view only: webhooks go out
     * when a call moves, and a place in the queue changes without one.
     */
    public static void queue(ObjectNode o, QueuePlace q) {
        if (q == null) {
            o.putNull("queue");
            return;
        }
        ObjectNode v = o.putObject("queue");
        v.put("reason", q.reason());
        v.put("position", q.position());
        time(v, "estimated_start_at", q.estimatedStartAt());
    }

    /** ISO 8601, or null. */
    public static void time(ObjectNode o, String field, Instant at) {
        o.put(field, at == null ? null : at.toString());
    }
}
