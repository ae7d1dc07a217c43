package dev.parley.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.store.Ids;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Writes webhook events into the outbox, inside the caller's transaction, so an event exists if and
 * only if the change it reports committed. The delivery goes to the call's URL: the request's, else
 * the assistant's, else the workspace's (the same rule as the create-call statement in
 * {@code CallInserts}, which writes {@code call.queued} in bulk). With no URL there is nowhere to
 * send the event and it is not written: that keeps the outbox off the hot path of users without
 * webhooks (it cost a third of the create-call ceiling, measured).
 */
public final class Outbox {
    public static final String QUEUED = "call.queued";
    public static final String RINGING = "call.ringing";
    public static final String ANSWERED = "call.answered";
    /** Who answered: when first decided, and again if it changes before it settles (issue 13). */
    public static final String ANSWERED_BY = "call.answered_by";
    public static final String ENDED = "call.ended";
    public static final String REPORT = "call.report";

    private static final String TARGET = """
            SELECT COALESCE(c.webhook_url, a.config->>'webhook_url', w.webhook_url)
              FROM calls c
              LEFT JOIN assistants a ON a.id = c.assistant_id
              LEFT JOIN workspaces w ON w.id = c.workspace_id
             WHERE c.id = :call""";

    private final ObjectMapper json;

    public Outbox(ObjectMapper json) {
        this.json = json;
    }

    /** @return the event id, or empty when no webhook URL applies to the call */
    public Optional<String> append(Handle h, String workspaceId, String callId, String type, ObjectNode data, Instant at) {
        Optional<String> target = h.createQuery(TARGET).bind("call", callId).mapTo(String.class).findOne();
        if (target.isEmpty()) {
            return Optional.empty();
        }
        String eventId = "evt_" + Ids.next();
        ObjectNode payload = json.createObjectNode();
        payload.put("id", eventId);
        payload.put("type", type);
        payload.put("created_at", at.toString());
        payload.put("workspace_id", workspaceId);
        payload.set("data", data);
        long seq = h.createQuery("""
                        INSERT INTO webhook_events (id, workspace_id, call_id, type, payload, created_at)
                        VALUES (:id, :ws, :call, :type, CAST(:payload AS jsonb), :at) RETURNING seq""")
                .bind("id", eventId).bind("ws", workspaceId).bind("call", callId).bind("type", type)
                .bind("payload", payload.toString()).bind("at", at)
                .mapTo(Long.class).one();
        h.createUpdate("""
                        INSERT INTO webhook_deliveries (id, event_id, event_seq, workspace_id, call_id, url, next_attempt_at, created_at)
                        VALUES (:delivery, :event, :seq, :ws, :call, :url, :at, :at)""")
                .bind("delivery", "whd_" + Ids.next()).bind("event", eventId).bind("seq", seq).bind("ws", workspaceId)
                .bind("call", callId).bind("url", target.get()).bind("at", at)
                .execute();
        return Optional.of(eventId);
    }
}
