package dev.parley.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.call.Call;
import dev.parley.call.CallFilter;
import dev.parley.call.CallService;
import dev.parley.call.CreateCallRequest;
import dev.parley.call.CallStatus;
import dev.parley.call.QueuePlace;
import dev.parley.dialer.Hangups;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import dev.parley.error.Problem;
import dev.parley.recording.Recording;
import dev.parley.recording.RecordingStore;
import dev.parley.store.Page;
import dev.parley.tenancy.Tenant;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Optional;

/** Make a Call, exactly as the seed documents it, and reading calls back. */
final class CallRoutes {
    private final CallService calls;
    private final Hangups hangups;
    private final RecordingStore recordings;
    private final Envelope envelope;
    private final Views views;
    private final ObjectMapper json;
    /** Where the workspace's given calls wait, for those still queued (QueuePlaces#of). */
    private final BiFunction<String, List<String>, Map<String, QueuePlace>> queue;

    CallRoutes(CallService calls, Hangups hangups, RecordingStore recordings, Envelope envelope, Views views, ObjectMapper json,
               BiFunction<String, List<String>, Map<String, QueuePlace>> queue) {
        this.queue = queue;
        this.calls = calls;
        this.hangups = hangups;
        this.recordings = recordings;
        this.envelope = envelope;
        this.views = views;
        this.json = json;
    }

    void create(Context ctx, Tenant tenant) {
        CreateCallRequest request = CreateCallRequest.parse(RequestBody.json(ctx, json));
        CallService.Accepted accepted = calls.create(tenant, request, Optional.ofNullable(ctx.header("Idempotency-Key")));
        if (accepted.replayed()) {
            ctx.header("Idempotent-Replayed", "true");
        }
        // The seed's success body, field for field; a replay repeats the first response.
        ObjectNode data = json.createObjectNode();
        data.put("call_id", accepted.callId());
        data.put("status", "queued");
        data.put("assistant_id", request.assistantId());
        data.put("to_number", request.to().number());
        envelope.ok(ctx, "Call initiated successfully", data);
    }

    void get(Context ctx, Tenant tenant) {
        Call call = calls.get(tenant, ctx.pathParam("call_id"));
        envelope.ok(ctx, "Call fetched successfully", views.call(call, true, place(tenant, call)));
    }

    private QueuePlace place(Tenant tenant, Call call) {
        return call.status() == CallStatus.QUEUED ? queue.apply(tenant.workspaceId(), List.of(call.id())).get(call.id()) : null;
    }

    void hangup(Context ctx, Tenant tenant) {
        String id = calls.get(tenant, ctx.pathParam("call_id")).id();
        Hangups.Outcome outcome = hangups.hangup(tenant, id);
        Call after = calls.get(tenant, id);
        ObjectNode data = views.call(after, true, place(tenant, after));
        data.put("hangup", outcome == Hangups.Outcome.CANCELED ? "canceled" : "hanging-up");
        envelope.ok(ctx, outcome == Hangups.Outcome.CANCELED ? "Call canceled before it was dialed"
                : "Hanging up the call; its final status follows", data);
    }

    /**
     * The stereo WAV (caller left, Parley right) once the call has ended, from whichever node placed
     * it (the store is shared; files of versions before it are served by the node that holds them).
     */
    void recording(Context ctx, Tenant tenant) throws IOException {
        String id = calls.get(tenant, ctx.pathParam("call_id")).id();
        // Written here rather than handed to ctx.result(), so that an S3 connection is closed once read.
        try (Recording recording = recordings.open(id).orElseThrow(() -> Problem.notFound("recording_not_found",
                "Call " + id + " has no recording: it was not answered or has not ended yet"))) {
            ctx.contentType(recording.contentType()).header("Content-Length", Long.toString(recording.sizeBytes()))
                    .header("Content-Disposition", "attachment; filename=\"" + id + ".wav\"");
            recording.body().transferTo(ctx.outputStream());
        }
    }

    void list(Context ctx, Tenant tenant) {
        Page<Call> page = calls.list(tenant, CallFilter.parse(ctx::queryParam), Page.limit(ctx.queryParam("limit")),
                ctx.queryParam("cursor"));
        Map<String, QueuePlace> places = queue.apply(tenant.workspaceId(), page.items().stream()
                .filter(c -> c.status() == CallStatus.QUEUED).map(Call::id).toList());
        envelope.ok(ctx, "Calls fetched successfully", views.page(page, c -> views.call(c, false, places.get(c.id()))));
    }
}
