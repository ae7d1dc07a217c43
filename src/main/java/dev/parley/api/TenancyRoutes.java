package dev.parley.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.error.JsonFields;
import dev.parley.error.Problem;
import dev.parley.tenancy.ApiKeyService;
import dev.parley.tenancy.TenancyStore;
import dev.parley.tenancy.Tenant;
import dev.parley.tenancy.Workspaces;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /v1/admin/workspaces} and {@code /v1/admin/api-keys}: the organization's workspaces and
 * keys. They act on the whole organization, so they take a key of the whole organization; a key
 * limited to one workspace gets a 403 (it could otherwise mint itself a wider key).
 */
final class TenancyRoutes {
    private final Workspaces workspaces;
    private final ApiKeyService keys;
    private final Envelope envelope;
    private final ObjectMapper json;

    TenancyRoutes(Workspaces workspaces, ApiKeyService keys, Envelope envelope, ObjectMapper json) {
        this.workspaces = workspaces;
        this.keys = keys;
        this.envelope = envelope;
        this.json = json;
    }

    void createWorkspace(Context ctx, Tenant tenant) {
        ObjectNode body = body(ctx, tenant, Set.of("name"));
        var ws = workspaces.create(tenant.organizationId(), JsonFields.requiredString(body, "name", "", 1_000));
        envelope.ok(ctx, "Workspace created successfully", workspace(ws));
    }

    void listWorkspaces(Context ctx, Tenant tenant) {
        requireOrganizationKey(tenant);
        ObjectNode data = json.createObjectNode();
        ArrayNode items = data.putArray("items");
        workspaces.list(tenant.organizationId()).forEach(ws -> items.add(workspace(ws)));
        envelope.ok(ctx, "Workspaces fetched successfully", data);
    }

    void renameWorkspace(Context ctx, Tenant tenant) {
        requireOrganizationKey(tenant);
        String id = workspaceId(ctx);
        ObjectNode body = body(ctx, tenant, Set.of("name"));
        var ws = workspaces.rename(tenant.organizationId(), id, JsonFields.requiredString(body, "name", "", 1_000));
        envelope.ok(ctx, "Workspace renamed successfully", workspace(ws));
    }

    void deleteWorkspace(Context ctx, Tenant tenant) {
        requireOrganizationKey(tenant);
        var ws = workspaces.delete(tenant.organizationId(), workspaceId(ctx));
        ObjectNode data = json.createObjectNode();
        data.put("workspace_id", ws.id());
        data.put("deleted", true);
        envelope.ok(ctx, "Workspace deleted; its id is refused from now on and keys limited to it are revoked", data);
    }

    void createKey(Context ctx, Tenant tenant) {
        ObjectNode body = body(ctx, tenant, Set.of("name", "expires_at", "workspace_id"));
        String name = JsonFields.requiredString(body, "name", "", 1_000);
        Optional<Instant> expires = JsonFields.optionalString(body, "expires_at", "", 100).map(TenancyRoutes::instant);
        Optional<String> scope = JsonFields.optionalString(body, "workspace_id", "", 100);
        TenancyStore.IssuedKey issued = keys.create(tenant.organizationId(), name, scope, expires);
        ObjectNode data = key(issued.key());
        data.put("api_key", issued.token());
        envelope.ok(ctx, "API key created; it is shown only this once, so store it now", data);
    }

    void listKeys(Context ctx, Tenant tenant) {
        requireOrganizationKey(tenant);
        ObjectNode data = json.createObjectNode();
        ArrayNode items = data.putArray("items");
        keys.list(tenant.organizationId()).forEach(k -> items.add(key(k)));
        envelope.ok(ctx, "API keys fetched successfully", data);
    }

    void revokeKey(Context ctx, Tenant tenant) {
        requireOrganizationKey(tenant);
        TenancyStore.ApiKey k = keys.revoke(tenant.organizationId(), ctx.pathParam("id"));
        envelope.ok(ctx, "API key revoked; every node refuses it from the next request on", key(k));
    }

    private ObjectNode body(Context ctx, Tenant tenant, Set<String> fields) {
        requireOrganizationKey(tenant);
        ObjectNode body = JsonFields.object(RequestBody.json(ctx, json), "");
        JsonFields.rejectUnknown(body, "", fields);
        return body;
    }

    private static void requireOrganizationKey(Tenant tenant) {
        if (!tenant.organizationWide()) {
            throw Problem.forbidden("organization_key_required", "This API key is limited to workspace " + tenant.workspaceId()
                    + "; managing workspaces and API keys takes a key of the whole organization");
        }
    }

    private static String workspaceId(Context ctx) {
        String id = ctx.pathParam("id");
        if (!dev.parley.store.Ids.isValid(id)) {
            throw Problem.invalid("id", "A workspace id is 24 hexadecimal characters (GET /v1/admin/workspaces lists them)");
        }
        return id;
    }

    private static Instant instant(String text) {
        try {
            return OffsetDateTime.parse(text.strip()).toInstant();
        } catch (DateTimeParseException e) {
            throw Problem.invalid("expires_at", "'expires_at' must be a time in ISO 8601 with an offset,"
                    + " like 2027-01-31T00:00:00Z");
        }
    }

    private ObjectNode workspace(TenancyStore.Workspace ws) {
        ObjectNode o = json.createObjectNode();
        o.put("workspace_id", ws.id());
        o.put("organization_id", ws.organizationId());
        o.put("name", ws.name());
        o.put("created_at", ws.createdAt().toString());
        return o;
    }

    private ObjectNode key(TenancyStore.ApiKey k) {
        ObjectNode o = json.createObjectNode();
        o.put("api_key_id", k.id());
        o.put("name", k.name());
        o.put("prefix", k.prefix());
        o.put("workspace_id", k.workspaceId());
        o.put("created_at", k.createdAt().toString());
        o.put("expires_at", k.expiresAt() == null ? null : k.expiresAt().toString());
        o.put("last_used_at", k.lastUsedAt() == null ? null : k.lastUsedAt().toString());
        o.put("revoked_at", k.revokedAt() == null ? null : k.revokedAt().toString());
        return o;
    }
}
