package dev.parley.call;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.error.Problem;
import dev.parley.safeguards.DailyCaps;
import dev.parley.store.DatabaseException;
import dev.parley.store.Page;
import dev.parley.store.Rollback;
import dev.parley.tenancy.AuthException;
import dev.parley.tenancy.Tenant;
import dev.parley.webhook.WebhookUrlPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Accepting calls durably, and reading them back.
 *
 * <p>A call is accepted in one transaction: the call row ({@code queued}), its first event and its
 * dial job, so an accepted call can never be lost or left without work for the dialer. Plain
 * creates are batched with their concurrent peers ({@link CallInserts}). With an
 * {@code Idempotency-Key} the key is claimed first, in the same transaction; concurrent requests
 * with the same key wait on PostgreSQL's unique index for the first to commit, then read its call
 * in a separate statement (a single statement could not see the winner's row, and would fail).
 */
public final class CallService implements AutoCloseable {
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");

    private final CallStore store;
    private final CallInserts inserts;
    private final WebhookUrlPolicy webhookUrls;
    private final ObjectMapper json;

    public CallService(CallStore store, CallInserts inserts, WebhookUrlPolicy webhookUrls, ObjectMapper json) {
        this.store = store;
        this.inserts = inserts;
        this.webhookUrls = webhookUrls;
        this.json = json;
    }

    /** The id of the call the request created, or of the one a repeated request with its key created. */
    public record Accepted(String callId, boolean replayed) {}

    public Accepted create(Tenant tenant, CreateCallRequest request, Optional<String> idempotencyKey) {
        String callId = CallIds.next();
        Optional<String> key = idempotencyKey.map(CallService::checkKey);
        request.webhookUrl().ifPresent(u -> webhookUrls.checkAccepted("webhook_url", u));
        if (key.isEmpty()) {
            try {
                check(inserts.insert(new CallInserts.Row(callId, tenant.workspaceId(), tenant.keyId(), request)), request);
                return new Accepted(callId, false);
            } catch (SQLException e) {
                throw new DatabaseException("create call", e);
            }
        }
        try (Connection c = store.connection()) {
            c.setAutoCommit(false);
            try {
                Accepted accepted = createOnce(c, tenant, request, key.get(), callId);
                c.commit();
                inserts.committed();
                return accepted;
            } catch (SQLException | RuntimeException e) {
                Rollback.after(c, e); // HikariCP restores auto-commit when the connection goes back
                throw e;
            }
        } catch (SQLException e) {
            throw new DatabaseException("create call", e);
        }
    }

    private Accepted createOnce(Connection c, Tenant tenant, CreateCallRequest request, String key, String callId)
            throws SQLException {
        byte[] hash = requestHash(request);
        if (!store.claimIdempotencyKey(c, tenant.workspaceId(), key, hash, callId)) {
            var first = store.findIdempotencyKey(c, tenant.workspaceId(), key).orElseThrow(
                    () -> new IllegalStateException("idempotency key vanished between claim and read"));
            if (!keyStillValid(c, tenant.keyId())) {
                throw keyRefused();
            }
            if (!MessageDigest.isEqual(first.requestHash(), hash)) {
                throw Problem.conflict("idempotency_key_reused", "This Idempotency-Key was already used with a"
                        + " different request body in the last 24 hours; send a new key for a new call");
            }
            return new Accepted(first.callId(), true);
        }
        var row = new CallInserts.Row(callId, tenant.workspaceId(), tenant.keyId(), request);
        check(inserts.insert(c, List.of(row)).get(callId), request);
        return new Accepted(callId, false);
    }

    /** Writes what is queued, then stops accepting. */
    @Override
    public void close() {
        inserts.close();
    }

    public Call get(Tenant tenant, String callId) {
        String id = callId == null ? "" : callId.strip();
        if (!CallIds.isValid(id)) {
            throw Problem.invalid("call_id", "A call id looks like c_ followed by 24 hexadecimal characters");
        }
        return store.find(tenant.workspaceId(), id).orElseThrow(() -> Problem.notFound("call_not_found",
                "No call " + id + " in this workspace; list them with GET /v1/admin/assistant/calls"));
    }

    /** The workspace's calls, newest first, narrowed by {@code filter}. */
    public Page<Call> list(Tenant tenant, CallFilter filter, int limit, String cursor) {
        long before = Page.decodeCursor(cursor);
        List<CallStore.Row> rows = store.page(tenant.workspaceId(), filter, before, limit + 1);
        boolean more = rows.size() > limit;
        List<CallStore.Row> shown = more ? rows.subList(0, limit) : rows;
        String next = more ? Page.encodeCursor(shown.get(shown.size() - 1).seq()) : null;
        return new Page<>(shown.stream().map(CallStore.Row::call).toList(), next);
    }

    private static void check(CallInserts.Outcome outcome, CreateCallRequest r) {
        switch (outcome) {
            case CallInserts.Outcome.Created c -> { }
            case CallInserts.Outcome.KeyRefused k -> throw keyRefused();
            case CallInserts.Outcome.WorkspaceGone w -> throw new AuthException("The workspace in the workspace header has been"
                    + " deleted; send the id of one of the organization's workspaces (GET /v1/admin/workspaces lists them)");
            case CallInserts.Outcome.NoAssistant n -> throw Problem.notFound("assistant_not_found", "No assistant " + r.assistantId()
                    + " in this workspace: check assistant_id and the workspace header (GET /v1/admin/assistant lists them)");
            case CallInserts.Outcome.AssistantDisabled d -> throw Problem.conflict("assistant_disabled", "Assistant " + r.assistantId()
                    + " is disabled and cannot place calls; enable it with PATCH /v1/admin/assistant/" + r.assistantId()
                    + " {\"enabled\": true}");
            case CallInserts.Outcome.MissingKey k -> throw new Problem(Problem.Kind.CONFLICT, "provider_key_missing",
                    "the assistant's " + k.field() + " uses provider '" + k.provider() + "', and this workspace has no API key"
                    + " for it: add one with PUT /v1/admin/credentials/" + k.provider() + " {\"api_key\": \"...\"}",
                    Map.of("provider", k.provider(), "assistant_field", k.field()));
            case CallInserts.Outcome.Refused x -> throw refused(x);
            case CallInserts.Outcome.OverDailyCap o -> throw DailyCaps.refusal(o.over());
            case CallInserts.Outcome.AtCapacity a -> throw DailyCaps.atCapacity(a.limit(), a.cap(), a.inUse());
            case CallInserts.Outcome.MissingVariable m -> throw Problem.invalid("variables." + m.name(),
                    "the assistant's flow uses {{" + m.name() + "}} but the request's variables has no '" + m.name()
                    + "'; add \"variables\": {\"" + m.name() + "\": \"...\"}");
        }
    }

    /**
     * A destination the workspace refuses. The do-not-call message says only that: not when or how
     * the number was listed (an opt-out is the callee's business).
     */
    private static Problem refused(CallInserts.Outcome.Refused r) {
        return switch (r.rule()) {
            case "do-not-call" -> Problem.forbidden("do_not_call", "to_number is on this workspace's do-not-call list and"
                    + " cannot be called");
            case "allowed_countries" -> Problem.forbidden("destination_not_allowed", "to_number is "
                    + (r.country() == null ? "in no country" : "a " + r.country() + " number") + ", and this workspace's"
                    + " allowed_countries does not include " + (r.country() == null ? "it" : r.country())
                    + "; add it with PATCH /v1/admin/workspace {\"allowed_countries\": [...]} if you mean to call there");
            case "blocked_number_types" -> Problem.forbidden("destination_not_allowed", "to_number is a " + r.type()
                    + " number, and this workspace's blocked_number_types refuses " + r.type() + " numbers; remove it from"
                    + " blocked_number_types with PATCH /v1/admin/workspace if you mean to call such numbers");
            default -> throw new IllegalStateException("unknown destination rule " + r.rule());
        };
    }

    /** A replayed response is still a response: the key must be as valid as for a new call. */
    private static boolean keyStillValid(Connection c, String keyId) throws SQLException {
        try (var st = c.prepareStatement("SELECT revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) FROM api_keys WHERE key_id = ?")) {
            st.setString(1, keyId);
            try (var rs = st.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static AuthException keyRefused() {
        return new AuthException("The API key has been revoked or has expired; create a new one with POST /v1/admin/api-keys"
                + " or 'parley keys create'");
    }

    private static String checkKey(String key) {
        if (!IDEMPOTENCY_KEY.matcher(key).matches()) {
            throw Problem.invalid("Idempotency-Key", "The Idempotency-Key header must be 1 to 255 visible ASCII"
                    + " characters, such as a UUID");
        }
        return key;
    }

    /** SHA-256 of the request with object keys sorted, so key order in the body does not matter. */
    private byte[] requestHash(CreateCallRequest r) {
        ObjectNode canonical = json.createObjectNode();
        canonical.put("assistant_id", r.assistantId());
        switch (r.callee()) {
            case CreateCallRequest.Callee.Phone p -> canonical.put("to_number", p.number().number());
            // Not the token: a replay gets a new one (WebCalls), and must still match its first request.
            case CreateCallRequest.Callee.Web w -> canonical.put("channel", Channel.WEB.wire());
        }
        canonical.put("from_number", r.fromNumber().orElse(null));
        canonical.set("variables", r.variables());
        canonical.set("metadata", r.metadata());
        canonical.put("webhook_url", r.webhookUrl().orElse(null));
        canonical.put("scheduled_at", r.scheduledAt().map(Instant::toString).orElse(null));
        if (r.retry().isPresent()) {
            canonical.set("retry", r.retry().get().write());
        }
        if (r.onCapacity() != CreateCallRequest.OnCapacity.QUEUE) {
            // Only when not the default, so keys stored before on_capacity existed still match.
            canonical.put("on_capacity", r.onCapacity().wire());
        }
        if (r.callingWindow().stored() != null) {
            // Only when the request sets one, likewise: its own hours make it another request.
            canonical.put("calling_window", r.callingWindow().stored());
        }
        try {
            byte[] bytes = json.writeValueAsString(sorted(canonical)).getBytes(StandardCharsets.UTF_8);
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = json.createObjectNode();
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            names.forEach(n -> out.set(n, sorted(node.get(n))));
            return out;
        }
        if (node.isArray()) {
            var out = json.createArrayNode();
            node.forEach(item -> out.add(sorted(item)));
            return out;
        }
        return node;
    }
}
