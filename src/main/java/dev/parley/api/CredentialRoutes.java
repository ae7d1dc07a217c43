package dev.parley.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.credentials.ProviderCredentials;
import dev.parley.tenancy.Tenant;
import io.javalin.http.Context;
import java.time.Instant;

/**
 * {@code /v1/admin/credentials}: the workspace's API keys for network providers. Keys go in and are
 * never shown again: responses say whether one is set, since when, which server it is for, and
 * whether the node has one to fall back on.
 */
final class CredentialRoutes {
    private final ProviderCredentials credentials;
    private final Envelope envelope;
    private final ObjectMapper json;

    CredentialRoutes(ProviderCredentials credentials, Envelope envelope, ObjectMapper json) {
        this.credentials = credentials;
        this.envelope = envelope;
        this.json = json;
    }

    void list(Context ctx, Tenant tenant) {
        ObjectNode data = json.createObjectNode();
        ArrayNode items = data.putArray("items");
        credentials.list(tenant).forEach(s -> items.add(view(s)));
        envelope.ok(ctx, "Provider keys fetched successfully (the keys themselves are never shown)", data);
    }

    void put(Context ctx, Tenant tenant) {
        String provider = ctx.pathParam("provider");
        var status = credentials.put(tenant, provider, RequestBody.json(ctx, json));
        envelope.ok(ctx, "API key for " + status.provider().name() + " saved; this workspace's calls use it from now on"
                + status.baseUrl().map(u -> ", at " + u + " only").orElse(", at " + status.provider().name() + "'s own service"),
                view(status));
    }

    void delete(Context ctx, Tenant tenant) {
        var status = credentials.delete(tenant, ctx.pathParam("provider"));
        envelope.ok(ctx, "API key for " + status.provider().name() + " deleted" + switch (status.source()) {
            case node -> "; calls use the node's key from now on";
            case workspace, none -> "; calls that need it are refused until one is set";
        }, view(status));
    }

    private ObjectNode view(ProviderCredentials.Status s) {
        ObjectNode o = json.createObjectNode();
        o.put("provider", s.provider().name());
        o.put("source", s.source().name());
        o.put("workspace_key", s.setAt().isPresent());
        o.put("set_at", s.setAt().map(Instant::toString).orElse(null));
        o.put("base_url", s.baseUrl().orElse(null));
        o.put("node_key", s.nodeKey());
        return o;
    }
}
