package dev.parley.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.error.Problem;
import dev.parley.number.SandboxRegistrations;
import dev.parley.safeguards.CallingWindow;
import dev.parley.safeguards.DailyCaps;
import dev.parley.store.Page;
import dev.parley.tenancy.Tenant;
import dev.parley.tenancy.WorkspaceService;
import dev.parley.webhook.WebhookStore;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** The workspace's settings and signing secret, and what became of its webhook deliveries. */
final class WorkspaceRoutes {
    private final WorkspaceService workspaces;
    /** The workspace's live sandbox registrations. */
    private final Function<String, List<SandboxRegistrations.Registration>> registrations;
    private final WebhookStore deliveries;
    private final Envelope envelope;
    private final ObjectMapper json;
    private final String sipHost;
    private final int sipPort;

    WorkspaceRoutes(WorkspaceService workspaces, WebhookStore deliveries,
                    Function<String, List<SandboxRegistrations.Registration>> registrations,
                    Envelope envelope, ObjectMapper json, String sipHost, int sipPort) {
        this.registrations = registrations;
        this.workspaces = workspaces;
        this.deliveries = deliveries;
        this.sipHost = sipHost;
        this.sipPort = sipPort;
        this.envelope = envelope;
        this.json = json;
    }

    void get(Context ctx, Tenant tenant) {
        envelope.ok(ctx, "Workspace fetched successfully", view(workspaces.get(tenant)));
    }

    void patch(Context ctx, Tenant tenant) {
        envelope.ok(ctx, "Workspace updated successfully", view(workspaces.patch(tenant, RequestBody.json(ctx, json))));
    }

    void rotateSecret(Context ctx, Tenant tenant) {
        WorkspaceService.Settings rotated = workspaces.rotateSecret(tenant);
        ObjectNode data = view(rotated);
        // The one response that carries the secret: the receiver's owner copies it from here.
        data.put("webhook_signing_secret", rotated.signingSecret());
        envelope.ok(ctx, "Webhook signing secret rotated; copy webhook_signing_secret now, it is not shown again."
                + " The previous one stays valid for " + WorkspaceService.ROTATION_OVERLAP.toHours() + " hours", data);
    }

    /** What a softphone needs to register to the sandbox. */
    void sandbox(Context ctx, Tenant tenant) {
        ObjectNode data = json.createObjectNode();
        ObjectNode registrar = data.putObject("registrar");
        registrar.put("host", sipHost);
        registrar.put("port", sipPort);
        registrar.put("transport", "udp");
        data.put("domain", sipHost);
        data.put("username", "your phone number in E.164, e.g. +14155550123");
        data.put("password", workspaces.sandboxPassword(tenant));
        data.put("realm", "parley");
        data.put("example_aor", "sip:+14155550123@" + sipHost + ":" + sipPort);
        ArrayNode registered = data.putArray("registered");
        for (var r : registrations.apply(tenant.workspaceId())) {
            registered.addObject().put("number", r.number()).put("expires_at", r.expiresAt().toString());
        }
        envelope.ok(ctx, "Register a softphone with these; calls to its number then ring it", data);
    }

    void listDeliveries(Context ctx, Tenant tenant) {
        int limit = Page.limit(ctx.queryParam("limit"));
        long before = Page.decodeCursor(ctx.queryParam("cursor"));
        Optional<String> callId = Optional.ofNullable(ctx.queryParam("call_id")).filter(s -> !s.isBlank()).map(String::strip);
        if (callId.isPresent() && !callId.get().matches("c_[0-9a-f]{24}")) {
            throw Problem.invalid("call_id", "'call_id' looks like c_ followed by 24 hexadecimal characters");
        }
        List<WebhookStore.Delivery> rows = deliveries.page(tenant.workspaceId(), callId, before, limit + 1);
        boolean more = rows.size() > limit;
        List<WebhookStore.Delivery> shown = more ? rows.subList(0, limit) : rows;
        ObjectNode data = json.createObjectNode();
        ArrayNode items = data.putArray("items");
        shown.forEach(d -> items.add(delivery(d)));
        data.put("has_more", more);
        data.put("next_cursor", more ? Page.encodeCursor(shown.get(shown.size() - 1).seq()) : null);
        envelope.ok(ctx, "Webhook deliveries fetched successfully", data);
    }

    void retry(Context ctx, Tenant tenant) {
        String id = ctx.pathParam("id");
        if (!id.matches("whd_[0-9a-f]{24}")) {
            throw Problem.invalid("id", "A delivery id looks like whd_ followed by 24 hexadecimal characters");
        }
        if (!deliveries.retryNow(tenant.workspaceId(), id)) {
            throw Problem.notFound("delivery_not_found", "No webhook delivery " + id + " in this workspace;"
                    + " list them with GET /v1/admin/webhook-deliveries");
        }
        ObjectNode data = json.createObjectNode();
        data.put("delivery_id", id);
        data.put("state", "pending");
        envelope.ok(ctx, "Webhook delivery queued to be sent again now", data);
    }

    private ObjectNode view(WorkspaceService.Settings s) {
        ObjectNode o = json.createObjectNode();
        o.put("workspace_id", s.workspaceId());
        o.put("organization_id", s.organizationId());
        o.put("name", s.name());
        ObjectNode limits = o.putObject("limits");
        limits.put("max_concurrent_calls", s.maxConcurrentCalls());
        limits.put("calls_per_second", s.callsPerSecond());
        limits.put("max_calls_per_day", s.dailyCaps().maxCallsPerDay());
        limits.put("max_call_minutes_per_day", s.dailyCaps().maxCallMinutesPerDay());
        capacity(o.putObject("capacity"), s);
        o.put("webhook_url", s.webhookUrl().orElse(null));
        o.put("webhook_signing_secret_hint", hint(s.signingSecret()));
        o.put("previous_signing_secret_valid_until", s.previousSecretValidUntil().map(Instant::toString).orElse(null));
        s.destinations().allowedCountries().forEach(o.putArray("allowed_countries")::add);
        s.destinations().blockedNumberTypes().forEach(o.putArray("blocked_number_types")::add);
        o.set("opt_out", s.optOut().write());
        o.set("calling_window", s.callingWindow().<JsonNode>map(CallingWindow::write).orElse(NullNode.getInstance()));
        o.put("calling_window_applies_to_sandbox", s.callingWindowAppliesToSandbox());
        return o;
    }

    /** Enough of the secret to tell which one a receiver holds, never enough to sign with. */
    static String hint(String secret) {
        return "whsec_…" + secret.substring(Math.max(0, secret.length() - 4));
    }

    /** Each limit with what uses it now: the day's counters are the ones the create-call statement checks. */
    private static void capacity(ObjectNode o, WorkspaceService.Settings s) {
        DailyCaps.Usage u = s.usage();
        o.putObject("concurrent_calls").put("in_use", u.liveCalls()).put("limit", s.maxConcurrentCalls());
        o.putObject("calls_last_second").put("in_use", u.callsLastSecond()).put("limit", s.callsPerSecond());
        o.putObject("calls_today").put("in_use", u.callsToday()).put("limit", s.dailyCaps().maxCallsPerDay());
        ObjectNode minutes = o.putObject("call_minutes_today");
        minutes.put("in_use", Math.round((u.usedSecondsToday() + u.reservedSecondsToday()) / 6.0) / 10.0);
        minutes.put("used", Math.round(u.usedSecondsToday() / 6.0) / 10.0);
        minutes.put("reserved", Math.round(u.reservedSecondsToday() / 6.0) / 10.0);
        minutes.put("limit", s.dailyCaps().maxCallMinutesPerDay());
        o.put("queued_calls", u.queuedCalls());
        o.put("day_resets_at", u.resetsAt().toString());
    }

    private ObjectNode delivery(WebhookStore.Delivery d) {
        ObjectNode o = json.createObjectNode();
        o.put("delivery_id", d.id());
        o.put("event_id", d.eventId());
        o.put("event_type", d.eventType());
        o.put("call_id", d.callId());
        o.put("url", d.url());
        o.put("state", d.state());
        o.put("attempts", d.attempts());
        o.put("next_attempt_at", d.state().equals("pending") ? d.nextAttemptAt().toString() : null);
        if (d.lastStatusCode() == null) {
            o.putNull("last_status_code");
        } else {
            o.put("last_status_code", d.lastStatusCode());
        }
        o.put("last_error", d.lastError());
        o.put("created_at", d.createdAt().toString());
        o.put("delivered_at", d.deliveredAt() == null ? null : d.deliveredAt().toString());
        ArrayNode log = o.putArray("attempt_log");
        for (WebhookStore.Attempt a : d.log()) {
            ObjectNode x = log.addObject();
            x.put("at", a.at().toString());
            if (a.statusCode() == null) {
                x.putNull("status_code");
            } else {
                x.put("status_code", a.statusCode());
            }
            x.put("error", a.error());
            x.put("latency_ms", a.latencyMs());
        }
        return o;
    }
}
