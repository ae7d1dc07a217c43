package dev.parley.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import dev.parley.tenancy.TenancyStore;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Signing in to the dashboard with an API key, the session cookie and CSRF (issue 16), over HTTP. */
@Tag("db")
class DashboardSessionTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass();

    @Test
    void aKeyOpensASessionWhoseCookieActsAsTheKeyAndChangesNeedTheCsrfToken() {
        Http.Response signIn = signIn(server.tenancy.apiKey().orElseThrow());
        assertThat(signIn.status()).isEqualTo(200);
        String setCookie = signIn.header("Set-Cookie");
        assertThat(setCookie).startsWith("parley_session=").contains("HttpOnly").containsIgnoringCase("SameSite=Strict").contains("Path=/");
        assertThat(setCookie).doesNotContain("Secure"); // plain http on loopback: a Secure cookie would never come back
        JsonNode session = signIn.json().get("data");
        assertThat(session.get("organization_id").asText()).isEqualTo(server.tenancy.organizationId());
        assertThat(session.get("workspaces").findValuesAsText("workspace_id")).contains(server.tenancy.workspaceId());
        assertThat(signIn.body()).doesNotContain(server.tenancy.apiKey().orElseThrow());
        String cookie = cookie(signIn);
        String csrf = session.get("csrf_token").asText();

        // Reads with the cookie alone; the session tells the page its CSRF token again after a reload.
        assertThat(get("/v1/admin/assistant", cookie).status()).isEqualTo(200);
        assertThat(get("/v1/dashboard/session", cookie).json().get("data").get("csrf_token").asText()).isEqualTo(csrf);

        // A change without the CSRF token, or with a wrong one, is refused and changes nothing.
        String body = "{\"name\":\"from the dashboard\",\"config\":{}}";
        Http.Response noToken = withSession("POST", "/v1/admin/assistant", cookie, null).json(body).send();
        assertThat(noToken.status()).isEqualTo(403);
        assertThat(noToken.errorCode()).isEqualTo("csrf_token_invalid");
        assertThat(noToken.message()).contains("X-CSRF-Token");
        Http.Response wrong = withSession("POST", "/v1/admin/assistant", cookie, csrf.substring(1) + "x").json(body).send();
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(server.count("SELECT count(*) FROM assistants WHERE name = 'from the dashboard'")).isZero();
        // Create-call too, though it authenticates keys from memory.
        Http.Response call = withSession("POST", "/v1/admin/assistant/call", cookie, null)
                .json("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"+14155550123\"}").send();
        assertThat(call.status()).isEqualTo(403);

        assertThat(withSession("POST", "/v1/admin/assistant", cookie, csrf).json(body).send().status()).isEqualTo(200);

        // Signing out needs the token too, then the cookie is worth nothing.
        assertThat(withSession("DELETE", "/v1/dashboard/session", cookie, null).send().status()).isEqualTo(403);
        Http.Response out = withSession("DELETE", "/v1/dashboard/session", cookie, csrf).send();
        assertThat(out.status()).isEqualTo(200);
        assertThat(out.header("Set-Cookie")).startsWith("parley_session=;").contains("Expires=Thu, 01 Jan 1970");
        Http.Response after = get("/v1/admin/assistant", cookie);
        assertThat(after.status()).isEqualTo(401);
        assertThat(after.message()).contains("sign in again");
    }

    @Test
    void badKeysAreRefusedWithMessagesThatSayWhatToPaste() {
        Http.Response empty = signIn("");
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.message()).contains("Paste an API key");
        Http.Response garbage = signIn("hello");
        assertThat(garbage.status()).isEqualTo(401);
        assertThat(garbage.message()).contains("prl_");
        assertThat(garbage.header("Set-Cookie")).isNull();
        String key = server.tenancy.apiKey().orElseThrow();
        Http.Response wrongSecret = signIn(key.substring(0, key.length() - 2) + (key.endsWith("A") ? "BB" : "AA"));
        assertThat(wrongSecret.status()).isEqualTo(401);
        assertThat(get("/v1/admin/assistant", "parley_session=forged").status()).isEqualTo(401);
    }

    @Test
    void revokingTheKeyEndsItsSessionsAndAScopedKeySeesOnlyItsWorkspace() {
        String ws = server.http.request("POST", "/v1/admin/workspaces").headers(server.auth()).json("{\"name\":\"scoped\"}").send()
                .json().get("data").get("workspace_id").asText();
        JsonNode key = server.http.request("POST", "/v1/admin/api-keys").headers(server.auth())
                .json("{\"name\":\"ops\",\"workspace_id\":\"" + ws + "\"}").send().json().get("data");
        Http.Response signIn = signIn(key.get("api_key").asText());
        assertThat(signIn.json().get("data").get("workspaces").findValuesAsText("workspace_id")).containsExactly(ws);
        String cookie = cookie(signIn);
        Http.Response other = server.http.request("GET", "/v1/admin/assistant").header("Cookie", cookie)
                .header("workspace", server.tenancy.workspaceId()).send();
        assertThat(other.status()).isEqualTo(401);
        assertThat(server.http.request("GET", "/v1/admin/assistant").header("Cookie", cookie).header("workspace", ws).send().status())
                .isEqualTo(200);

        server.http.request("DELETE", "/v1/admin/api-keys/" + key.get("api_key_id").asText()).headers(server.auth()).send();
        Http.Response revoked = server.http.request("GET", "/v1/admin/assistant").header("Cookie", cookie).header("workspace", ws).send();
        assertThat(revoked.status()).isEqualTo(401);
        assertThat(revoked.message()).contains("revoked");
    }

    @Test
    void theDashboardIsServedAtTheRootWithAStrictContentPolicy() {
        Http.Response page = server.http.request("GET", "/").send();
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.body()).contains("<script type=\"module\" src=\"/ui/app.js\">");
        assertThat(page.header("Content-Security-Policy")).contains("script-src 'self'").contains("frame-ancestors 'none'");
        assertThat(server.http.request("GET", "/ui/app.js").send().header("Content-Type")).startsWith("text/javascript");
        assertThat(server.http.request("GET", "/ui/..%2Fopenapi.json").send().status()).isEqualTo(404);
        assertThat(server.http.request("GET", "/ui/nothing.js").send().status()).isEqualTo(404);

        // The browser revalidates every time (no-cache): its own tag gets a 304 without the file, another file's tag the file.
        Http.Response script = server.http.request("GET", "/ui/app.js").send();
        String scriptTag = script.header("ETag");
        assertThat(scriptTag).matches("\"[0-9a-f]{16}\"").isNotEqualTo(page.header("ETag"));
        assertThat(script.header("Cache-Control")).isEqualTo("no-cache");
        Http.Response unchanged = server.http.request("GET", "/ui/app.js").header("If-None-Match", scriptTag).send();
        assertThat(unchanged.status()).isEqualTo(304);
        assertThat(unchanged.body()).isEmpty();
        assertThat(unchanged.header("ETag")).isEqualTo(scriptTag);
        Http.Response other = server.http.request("GET", "/ui/app.js").header("If-None-Match", page.header("ETag")).send();
        assertThat(other.status()).isEqualTo(200);
        assertThat(other.body()).isEqualTo(script.body()).isNotEmpty();
    }

    @Test
    void theSessionsOwnGetRefusesWhatEveryOtherRouteRefuses() {
        Http.Response noCookie = server.http.request("GET", "/v1/dashboard/session").send();
        assertThat(noCookie.status()).isEqualTo(401);
        assertThat(noCookie.errorCode()).isEqualTo("not_signed_in");

        // A revoked key.
        JsonNode revokedKey = createKey("{\"name\":\"to revoke\"}");
        String revoked = cookie(signIn(revokedKey.get("api_key").asText()));
        assertThat(get("/v1/dashboard/session", revoked).status()).isEqualTo(200);
        server.http.request("DELETE", "/v1/admin/api-keys/" + revokedKey.get("api_key_id").asText()).headers(server.auth()).send();
        assertRefusedLikeOtherRoutes(revoked, server.tenancy.workspaceId(), "revoked");

        // An expired key: signed in while it was good, then its time passed.
        JsonNode expiringKey = createKey("{\"name\":\"to expire\",\"expires_at\":\"" + Instant.now().plus(Duration.ofHours(1)) + "\"}");
        String expiring = cookie(signIn(expiringKey.get("api_key").asText()));
        assertThat(get("/v1/dashboard/session", expiring).status()).isEqualTo(200);
        sql("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE key_id = ?", expiringKey.get("api_key_id").asText());
        assertRefusedLikeOtherRoutes(expiring, server.tenancy.workspaceId(), "expired");

        // A key limited to a workspace that was then deleted (which revokes it).
        String ws = createWorkspace("deleted under a session");
        String scoped = cookie(signIn(createKey("{\"name\":\"scoped\",\"workspace_id\":\"" + ws + "\"}").get("api_key").asText()));
        assertThat(get("/v1/dashboard/session", scoped).status()).isEqualTo(200);
        assertThat(server.http.request("DELETE", "/v1/admin/workspaces/" + ws).headers(server.auth()).send().status()).isEqualTo(200);
        assertRefusedLikeOtherRoutes(scoped, ws, "revoked");
    }

    @Test
    void aKeyThatCanReachNoWorkspaceIsRefusedAtSignInWithWhatToDo() {
        // An organization without a workspace (no route makes one: the last workspace cannot be deleted).
        TenancyStore store = new TenancyStore(server.app.database().jdbi());
        String[] orgAndKey = server.app.database().jdbi().inTransaction(h -> {
            String org = store.createOrganization(h, "empty").id();
            return new String[] {org, store.issueKey(h, org, "no workspace")};
        });
        Http.Response refused = signIn(orgAndKey[1]);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.errorCode()).isEqualTo("no_workspace");
        assertThat(refused.message()).contains("has no workspace").contains("parley workspaces create NAME --organization " + orgAndKey[0]);
        assertThat(refused.header("Set-Cookie")).as("no session opened").isNull();

        // A scoped key whose workspace is gone but which no one revoked (by SQL: the API's delete revokes it)
        // is refused at sign-in, and a session it already had is refused too.
        String ws = createWorkspace("gone");
        String key = createKey("{\"name\":\"scoped to gone\",\"workspace_id\":\"" + ws + "\"}").get("api_key").asText();
        String cookie = cookie(signIn(key));
        sql("UPDATE workspaces SET deleted_at = now() WHERE id = ?", ws);
        Http.Response again = signIn(key);
        assertThat(again.status()).isEqualTo(403);
        assertThat(again.message()).contains("limited to (" + ws + ") has been deleted").contains("parley keys create");
        Http.Response session = get("/v1/dashboard/session", cookie);
        assertThat(session.status()).isEqualTo(403);
        assertThat(session.errorCode()).isEqualTo("no_workspace");
        assertThat(session.body()).doesNotContain("csrf_token");
    }

    /** 401 with exactly the message a data route gives the same cookie, and nothing of the session. */
    private static void assertRefusedLikeOtherRoutes(String cookie, String workspace, String word) {
        Http.Response session = server.http.request("GET", "/v1/dashboard/session").header("Cookie", cookie).send();
        Http.Response data = server.http.request("GET", "/v1/admin/assistant").header("Cookie", cookie).header("workspace", workspace).send();
        assertThat(data.status()).isEqualTo(401);
        assertThat(session.status()).isEqualTo(401);
        assertThat(session.errorCode()).isEqualTo("unauthorized");
        assertThat(session.message()).contains(word).isEqualTo(data.message());
        assertThat(session.body()).doesNotContain("csrf_token").doesNotContain("workspaces");
    }

    private static void sql(String update, String id) {
        int rows = server.app.database().jdbi().withHandle(h -> h.execute(update, id));
        assertThat(rows).isOne();
    }

    private static JsonNode createKey(String body) {
        Http.Response r = server.http.request("POST", "/v1/admin/api-keys").headers(server.auth()).json(body).send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("data");
    }

    private static String createWorkspace(String name) {
        return server.http.request("POST", "/v1/admin/workspaces").headers(server.auth()).json("{\"name\":\"" + name + "\"}").send()
                .json().get("data").get("workspace_id").asText();
    }

    private static Http.Response signIn(String key) {
        return server.http.request("POST", "/v1/dashboard/session").json("{\"api_key\":\"" + key + "\"}").send();
    }

    private static Http.Response get(String path, String cookie) {
        return withSession("GET", path, cookie, null).send();
    }

    private static Http.Request withSession(String method, String path, String cookie, String csrf) {
        Http.Request r = server.http.request(method, path).header("Cookie", cookie).header("workspace", server.tenancy.workspaceId());
        return csrf == null ? r : r.header("X-CSRF-Token", csrf);
    }

    private static String cookie(Http.Response r) {
        String set = r.header("Set-Cookie");
        return set.substring(0, set.indexOf(';'));
    }

}
