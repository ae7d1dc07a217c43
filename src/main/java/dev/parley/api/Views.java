package dev.parley.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.assistant.Assistant;
import dev.parley.assistant.AssistantConfigJson;
import dev.parley.call.Call;
import dev.parley.call.CallEvent;
import dev.parley.call.CallJson;
import dev.parley.call.QueuePlace;
import dev.parley.call.TranscriptJson;
import dev.parley.store.Page;
import java.util.function.Function;

/** How assistants and calls look in responses. */
final class Views {
    private final ObjectMapper json;

    Views(ObjectMapper json) {
        this.json = json;
    }

    ObjectNode assistant(Assistant a) {
        ObjectNode o = json.createObjectNode();
        o.put("assistant_id", a.id());
        o.put("workspace_id", a.workspaceId());
        o.put("name", a.name());
        o.put("enabled", a.enabled());
        o.set("config", AssistantConfigJson.write(a.config()));
        // What a call to it must send in `variables` (the dashboard's call form asks for these).
        ArrayNode variables = o.putArray("required_variables");
        a.config().flow().ifPresent(f -> f.variables().forEach(variables::add));
        CallJson.time(o, "created_at", a.createdAt());
        CallJson.time(o, "updated_at", a.updatedAt());
        return o;
    }

    /** @param queue where the call waits, if it is queued (else null) */
    ObjectNode call(Call c, boolean withHistory, QueuePlace queue) {
        ObjectNode o = CallJson.summary(json.createObjectNode(), c);
        CallJson.queue(o, queue);
        o.put("workspace_id", c.workspaceId());
        o.set("variables", c.variables());
        o.put("webhook_url", c.webhookUrl());
        CallJson.time(o, "created_at", c.createdAt());
        CallJson.time(o, "updated_at", c.updatedAt());
        CallJson.time(o, "scheduled_at", c.scheduledAt());
        c.durationSeconds().ifPresentOrElse(d -> o.put("duration_seconds", d), () -> o.putNull("duration_seconds"));
        o.put("dtmf", c.dtmf());
        CallJson.outcome(o, c);
        if (withHistory) {
            o.put("recording_url", TranscriptJson.recordingPath(c));
            TranscriptJson.write(c.transcript(), o.putArray("transcript"), o.putArray("latency"));
            ArrayNode history = o.putArray("history");
            for (CallEvent e : c.history()) {
                ObjectNode h = history.addObject();
                h.put("status", e.status().wire());
                h.put("reason", e.reason());
                CallJson.time(h, "at", e.at());
            }
        }
        return o;
    }

    <T> ObjectNode page(Page<T> page, Function<T, ObjectNode> view) {
        ObjectNode o = json.createObjectNode();
        ArrayNode items = o.putArray("items");
        page.items().forEach(item -> items.add(view.apply(item)));
        o.put("has_more", page.nextCursor() != null);
        o.put("next_cursor", page.nextCursor());
        return o;
    }
}
