package dev.parley.api;

import static dev.parley.api.MakeACallApiTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Workspaces and API keys administered over HTTP, as an owner would: issue 10. */
@Tag("db")
class TenancyAdminApiTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass();

    @Test
    void aWorkspaceIsCreatedUsedRenamedAndDeleted() {
        JsonNode created = ok(post("/v1/admin/workspaces", "{\"name\":\"client-acme\"}", server.auth()));
        String ws = created.get("workspace_id").asText();
        assertThat(created.get("organization_id").asText()).isEqualTo(server.tenancy.organizationId());
        assertThat(created.get("name").asText()).isEqualTo("client-acme");

        // The same key works in the new workspace, and sees only that workspace's data.
        Map<String, String> inNew = headers(server.tenancy.apiKey().orElseThrow(), ws);
        assertThat(ok(get("/v1/admin/workspace", inNew)).get("name").asText()).isEqualTo("client-acme");
        assertThat(ok(get("/v1/admin/assistant", inNew)).get("items")).isEmpty();

        ok(patch("/v1/admin/workspaces/" + ws, "{\"name\":\"client-acme-prod\"}", server.auth()));
        JsonNode list = ok(get("/v1/admin/workspaces", server.auth())).get("items");
        assertThat(list.findValuesAsText("name")).contains("client-acme-prod").doesNotContain("client-acme");

        ok(delete("/v1/admin/workspaces/" + ws, server.auth()));
        assertError(get("/v1/admin/workspace", inNew), 401, "unauthorized");
        // Create-call authenticates from memory (this node saw the workspace live a moment ago); its insert refuses.
        assertError(post("/v1/admin/assistant/call", "{\"assistant_id\":\"" + server.tenancy.assistantId()
                + "\",\"to_number\":\"+14155550123\"}", inNew), 401, "unauthorized");
        assertThat(ok(get("/v1/admin/workspaces", server.auth())).get("items").findValuesAsText("workspace_id")).doesNotContain(ws);
        assertError(delete("/v1/admin/workspaces/" + ws, server.auth()), 404, "workspace_not_found");
    }

    @Test
    void aWorkspaceWithALiveCallIsNotDeletedUntilTheCallIsOver() {
        String ws = ok(post("/v1/admin/workspaces", "{\"name\":\"busy\"}", server.auth())).get("workspace_id").asText();
        Map<String, String> inWs = headers(server.tenancy.apiKey().orElseThrow(), ws);
        String assistant = ok(post("/v1/admin/assistant", "{\"name\":\"a\",\"config\":{}}", inWs)).get("assistant_id").asText();
        // No dialer runs in this test server: the call stays queued, which is live.
        String call = ok(post("/v1/admin/assistant/call", "{\"assistant_id\":\"" + assistant + "\",\"to_number\":\"+14155550123\"}", inWs))
                .get("call_id").asText();

        Http.Response refused = delete("/v1/admin/workspaces/" + ws, server.auth());
        assertError(refused, 409, "workspace_has_live_calls");
        assertThat(refused.message()).contains("1 call(s) not yet over");
        assertThat(ok(get("/v1/admin/assistant/call/" + call, inWs)).get("status").asText()).isEqualTo("queued");

        ok(post("/v1/admin/assistant/call/" + call + "/hangup", null, inWs));
        ok(delete("/v1/admin/workspaces/" + ws, server.auth()));
    }

    @Test
    void theLastWorkspaceIsKept() {
        // A fresh organization with one workspace, through the CLI's code path (no key can exist before).
        var store = new dev.parley.tenancy.TenancyStore(server.app.database().jdbi());
        String[] ids = server.app.database().jdbi().inTransaction(h -> {
            var org = store.createOrganization(h, "solo");
            var ws = store.createWorkspace(h, org.id(), "only");
            return new String[] {org.id(), ws.id(), store.issueKey(h, org.id(), "solo key")};
        });
        Map<String, String> solo = Map.of("organization", ids[0], "workspace", ids[1], "Authorization", "Bearer " + ids[2]);
        assertError(delete("/v1/admin/workspaces/" + ids[1], solo), 409, "last_workspace");
    }

    @Test
    void aKeyIsCreatedListedWithoutItsSecretAndRevokedAtOnce() {
        JsonNode created = ok(post("/v1/admin/api-keys", "{\"name\":\"billing service\"}", server.auth()));
        String token = created.get("api_key").asText();
        String id = created.get("api_key_id").asText();
        assertThat(token).startsWith("prl_" + id + "_");
        assertThat(created.get("prefix").asText()).isEqualTo("prl_" + id + "_");
        Map<String, String> withNew = headers(token, server.tenancy.workspaceId());

        assertThat(get("/v1/admin/assistant", withNew).status()).isEqualTo(200);
        // Use is not written per request: only in batches, or before a listing like the one below.
        assertThat(server.count("SELECT count(*) FROM api_keys WHERE key_id = '" + id + "' AND last_used_at IS NOT NULL")).isZero();
        Http.Response listed = get("/v1/admin/api-keys", server.auth());
        assertThat(listed.body()).doesNotContain(token.substring(21)).doesNotContain(server.tenancy.apiKey().orElseThrow().substring(21));
        JsonNode mine = item(ok(listed).get("items"), id);
        assertThat(mine.get("name").asText()).isEqualTo("billing service");
        assertThat(mine.get("created_at").asText()).isNotEmpty();
        assertThat(mine.get("expires_at").isNull()).isTrue();
        assertThat(Instant.parse(mine.get("last_used_at").asText())).isAfter(Instant.now().minusSeconds(60));

        JsonNode revoked = ok(delete("/v1/admin/api-keys/" + id, server.auth()));
        assertThat(revoked.get("revoked_at").asText()).isNotEmpty();
        Http.Response next = get("/v1/admin/assistant", withNew);
        assertError(next, 401, "unauthorized");
        assertThat(next.message()).contains("revoked");
        assertThat(ok(get("/v1/admin/api-keys", server.auth())).get("items").findValuesAsText("api_key_id")).doesNotContain(id);
    }

    @Test
    void aRevokedKeyIsRefusedOnTheNextRequestOnASecondNode() {
        String token = ok(post("/v1/admin/api-keys", "{\"name\":\"two nodes\"}", server.auth())).get("api_key").asText();
        Map<String, String> withKey = headers(token, server.tenancy.workspaceId());
        try (TestServer second = TestServer.onDatabase(server.databaseUrl, Map.of())) {
            // Used on both nodes first, so whatever either keeps about the key is warm.
            String call = "{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"+14155550123\"}";
            assertThat(second.http.request("POST", "/v1/admin/assistant/call").headers(withKey).json(call).send().status()).isEqualTo(200);
            assertThat(second.http.request("POST", "/v1/admin/assistant/call").headers(withKey).header("Idempotency-Key", "once")
                    .json(call).send().status()).isEqualTo(200);
            assertThat(get("/v1/admin/assistant", withKey).status()).isEqualTo(200);
            long calls = server.count("SELECT count(*) FROM calls");

            ok(delete("/v1/admin/api-keys/" + token.substring(4, 20), server.auth()));

            assertError(second.http.request("GET", "/v1/admin/assistant").headers(withKey).send(), 401, "unauthorized");
            assertError(second.http.request("POST", "/v1/admin/assistant/call").headers(withKey).json(call).send(), 401, "unauthorized");
            // A replay of an earlier response is refused too.
            assertError(second.http.request("POST", "/v1/admin/assistant/call").headers(withKey).header("Idempotency-Key", "once")
                    .json(call).send(), 401, "unauthorized");
            assertThat(server.count("SELECT count(*) FROM calls")).isEqualTo(calls);
        }
    }

    @Test
    void anExpiredKeyIsRefused() {
        Instant later = Instant.now().plusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        JsonNode created = ok(post("/v1/admin/api-keys", "{\"name\":\"short\",\"expires_at\":\"" + later + "\"}", server.auth()));
        assertThat(Instant.parse(created.get("expires_at").asText())).isEqualTo(later);
        String token = created.get("api_key").asText();
        Map<String, String> withKey = headers(token, server.tenancy.workspaceId());
        assertThat(get("/v1/admin/assistant", withKey).status()).isEqualTo(200);

        // Time passes: the key's expiry is now behind us (rather than a test that sleeps until it is).
        Instant expires = Instant.now().minusSeconds(1).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        server.app.database().jdbi().useHandle(h -> h.createUpdate("UPDATE api_keys SET expires_at = :at WHERE key_id = :id")
                .bind("at", expires).bind("id", token.substring(4, 20)).execute());

        Http.Response r = get("/v1/admin/assistant", withKey);
        assertError(r, 401, "unauthorized");
        assertThat(r.message()).contains("expired at " + expires);
        assertError(post("/v1/admin/api-keys", "{\"name\":\"past\",\"expires_at\":\"2020-01-01T00:00:00Z\"}", server.auth()),
                400, "invalid_request");
        assertError(post("/v1/admin/api-keys", "{\"name\":\"far\",\"expires_at\":\"+999999999-12-31T23:59:59Z\"}", server.auth()),
                400, "invalid_request");
    }

    @Test
    void aKeyScopedToOneWorkspaceIsRefusedInAnotherAndCannotAdminister() {
        String ws = ok(post("/v1/admin/workspaces", "{\"name\":\"staging\"}", server.auth())).get("workspace_id").asText();
        JsonNode created = ok(post("/v1/admin/api-keys", "{\"name\":\"staging only\",\"workspace_id\":\"" + ws + "\"}", server.auth()));
        assertThat(created.get("workspace_id").asText()).isEqualTo(ws);
        String token = created.get("api_key").asText();

        assertThat(get("/v1/admin/assistant", headers(token, ws)).status()).isEqualTo(200);
        Http.Response elsewhere = get("/v1/admin/assistant", headers(token, server.tenancy.workspaceId()));
        assertError(elsewhere, 401, "unauthorized");
        assertThat(elsewhere.message()).contains("works only in workspace " + ws);
        // Create-call, which authenticates from memory, applies the same limit.
        assertError(post("/v1/admin/assistant/call", "{\"assistant_id\":\"" + server.tenancy.assistantId()
                + "\",\"to_number\":\"+14155550123\"}", headers(token, server.tenancy.workspaceId())), 401, "unauthorized");
        // It could otherwise make itself a key of the whole organization.
        assertError(post("/v1/admin/api-keys", "{\"name\":\"escalate\"}", headers(token, ws)), 403, "organization_key_required");
        assertError(get("/v1/admin/api-keys", headers(token, ws)), 403, "organization_key_required");
        assertError(post("/v1/admin/workspaces", "{\"name\":\"more\"}", headers(token, ws)), 403, "organization_key_required");
    }

    @Test
    void namesAreCheckedAndNulIsA400NamingTheField() {
        Http.Response nul = post("/v1/admin/workspaces", "{\"name\":\"a\\u0000b\"}", server.auth());
        assertError(nul, 400, "invalid_request");
        assertThat(nul.json().at("/error/field").asText()).isEqualTo("name");
        assertThat(nul.message()).contains("NUL characters are not allowed");
        assertError(post("/v1/admin/api-keys", "{\"name\":\"  \"}", server.auth()), 400, "invalid_request");
        assertError(post("/v1/admin/api-keys", "{\"name\":\"a\\nb\"}", server.auth()), 400, "invalid_request");
        assertError(post("/v1/admin/api-keys", "{\"name\":\"x\",\"secret\":\"y\"}", server.auth()), 400, "invalid_request");
        assertError(post("/v1/admin/api-keys", "{\"name\":\"x\",\"workspace_id\":\"" + "0".repeat(24) + "\"}", server.auth()),
                400, "invalid_request");
        assertError(delete("/v1/admin/api-keys/nothex", server.auth()), 400, "invalid_request");
        assertError(delete("/v1/admin/api-keys/" + "0".repeat(16), server.auth()), 404, "api_key_not_found");
    }

    private static JsonNode item(JsonNode items, String id) {
        for (JsonNode i : items) {
            if (i.get("api_key_id").asText().equals(id)) {
                return i;
            }
        }
        throw new AssertionError("no key " + id + " in " + items);
    }

    static Map<String, String> headers(String token, String workspace) {
        return Map.of("organization", server.tenancy.organizationId(), "workspace", workspace, "Authorization", "Bearer " + token);
    }

    static JsonNode ok(Http.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("success").asBoolean()).isTrue();
        return r.json().get("data");
    }

    private static Http.Response get(String path, Map<String, String> h) {
        return server.http.request("GET", path).headers(h).send();
    }

    private static Http.Response delete(String path, Map<String, String> h) {
        return server.http.request("DELETE", path).headers(h).send();
    }

    private static Http.Response post(String path, String body, Map<String, String> h) {
        var r = server.http.request("POST", path).headers(h);
        return (body == null ? r : r.json(body)).send();
    }

    private static Http.Response patch(String path, String body, Map<String, String> h) {
        return server.http.request("PATCH", path).headers(h).json(body).send();
    }
}
