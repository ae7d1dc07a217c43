package dev.parley.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.assistant.Assistant;
import dev.parley.assistant.AssistantService;
import dev.parley.store.Page;
import io.javalin.http.Context;
import dev.parley.tenancy.Tenant;

/** {@code /v1/admin/assistant}: the seed vendor's Create Assistant, plus read, list, change, delete. */
final class AssistantRoutes {
    private final AssistantService assistants;
    private final Envelope envelope;
    private final Views views;
    private final ObjectMapper json;

    AssistantRoutes(AssistantService assistants, Envelope envelope, Views views, ObjectMapper json) {
        this.assistants = assistants;
        this.envelope = envelope;
        this.views = views;
        this.json = json;
    }

    void create(Context ctx, Tenant tenant) {
        Assistant a = assistants.create(tenant, RequestBody.json(ctx, json));
        var data = json.createObjectNode();
        data.put("assistant_id", a.id());
        envelope.ok(ctx, "Assistant created successfully", data);
    }

    void list(Context ctx, Tenant tenant) {
        Page<Assistant> page = assistants.list(tenant, Page.limit(ctx.queryParam("limit")), ctx.queryParam("cursor"));
        envelope.ok(ctx, "Assistants fetched successfully", views.page(page, views::assistant));
    }

    void get(Context ctx, Tenant tenant) {
        envelope.ok(ctx, "Assistant fetched successfully", views.assistant(assistants.get(tenant, ctx.pathParam("id"))));
    }

    void patch(Context ctx, Tenant tenant) {
        Assistant a = assistants.patch(tenant, ctx.pathParam("id"), RequestBody.json(ctx, json));
        envelope.ok(ctx, "Assistant updated successfully", views.assistant(a));
    }

    void delete(Context ctx, Tenant tenant) {
        String id = AssistantService.checkId(ctx.pathParam("id"));
        assistants.delete(tenant, id);
        var data = json.createObjectNode();
        data.put("assistant_id", id);
        data.put("deleted", true);
        envelope.ok(ctx, "Assistant deleted successfully", data);
    }
}
