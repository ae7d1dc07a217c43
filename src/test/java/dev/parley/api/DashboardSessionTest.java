package dev.parley.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
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
        Http.Response unchanged = server.http.request("GET", "/ui/app.js").header("If-None-Match", page.header("ETag")).send();
        assertThat(unchanged.status()).isEqualTo(200); // another file's tag
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
