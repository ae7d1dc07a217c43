package dev.parley.api;

import static dev.parley.api.MakeACallApiTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.Bootstrap;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import dev.parley.tenancy.TenancyStore;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

/** A key of organization A sees and touches nothing of organization B, nor of A's other workspaces' data. */
@Tag("db")
class TenantIsolationTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass();
    static Map<String, String> b;
    static String bAssistant;
    static String bWorkspace;
    static String aSecondWorkspace;

    @BeforeAll
    static void setUp() {
        var tenancy = new TenancyStore(server.app.database().jdbi());
        server.app.database().jdbi().useTransaction(h -> {
            var org = tenancy.createOrganization(h, "B");
            var ws = tenancy.createWorkspace(h, org.id(), "B main");
            bWorkspace = ws.id();
            b = Map.of("organization", org.id(), "workspace", ws.id(), "Authorization", "Bearer " + tenancy.issueKey(h, org.id(), "b"));
            aSecondWorkspace = tenancy.createWorkspace(h, server.tenancy.organizationId(), "A second").id();
        });
        bAssistant = server.http.request("POST", "/v1/admin/assistant").headers(b).json("{\"name\":\"B's\",\"config\":{}}").send()
                .json().at("/data/assistant_id").asText();
    }

    @Test
    void aCannotCallWithBsAssistant() {
        Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth())
                .json("{\"assistant_id\":\"" + bAssistant + "\",\"to_number\":\"+14155550123\"}").send();
        assertError(r, 404, "assistant_not_found");
    }

    @Test
    void aCannotReadBsAssistantsOrCalls() {
        String bCall = server.http.request("POST", "/v1/admin/assistant/call").headers(b)
                .json("{\"assistant_id\":\"" + bAssistant + "\",\"to_number\":\"+14155550123\"}").send().json().at("/data/call_id").asText();

        assertError(server.http.request("GET", "/v1/admin/assistant/" + bAssistant).headers(server.auth()).send(), 404, "assistant_not_found");
        assertError(server.http.request("GET", "/v1/admin/assistant/call/" + bCall).headers(server.auth()).send(), 404, "call_not_found");
        assertError(server.http.request("PATCH", "/v1/admin/assistant/" + bAssistant).headers(server.auth())
                .json("{\"enabled\":false}").send(), 404, "assistant_not_found");
        assertError(server.http.request("DELETE", "/v1/admin/assistant/" + bAssistant).headers(server.auth()).send(), 404, "assistant_not_found");
        String list = server.http.request("GET", "/v1/admin/assistant/calls").headers(server.auth()).send().body();
        assertThat(list).doesNotContain(bCall);
        String assistants = server.http.request("GET", "/v1/admin/assistant").headers(server.auth()).send().body();
        assertThat(assistants).doesNotContain(bAssistant);
        assertThat(server.http.request("GET", "/v1/admin/assistant/" + bAssistant).headers(b).send().status()).isEqualTo(200);
    }

    @Test
    void aKeyCannotActInAnotherOrganizationsWorkspace() {
        Map<String, String> headers = new java.util.HashMap<>(server.auth());
        headers.put("workspace", bWorkspace);
        assertError(server.http.request("GET", "/v1/admin/assistant").headers(headers).send(), 401, "unauthorized");
        headers.put("organization", b.get("organization"));
        assertError(server.http.request("GET", "/v1/admin/assistant").headers(headers).send(), 401, "unauthorized");
    }

    @Test
    void workspacesOfOneOrganizationAreSeparate() {
        Map<String, String> second = new java.util.HashMap<>(server.auth());
        second.put("workspace", aSecondWorkspace);
        Http.Response r = server.http.request("POST", "/v1/admin/assistant/call").headers(second)
                .json("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"+14155550123\"}").send();
        assertError(r, 404, "assistant_not_found");
        assertThat(server.http.request("GET", "/v1/admin/assistant").headers(second).send().json().at("/data/items").size()).isZero();
    }

    @Test
    void initIssuesAnotherWorkingKeyForTheSameOrganization() {
        Bootstrap.Tenancy again = Bootstrap.init(server.app.database());
        assertThat(again.organizationId()).isEqualTo(server.tenancy.organizationId());
        assertThat(again.workspaceId()).isEqualTo(server.tenancy.workspaceId());
        assertThat(again.apiKey()).isPresent().isNotEqualTo(server.tenancy.apiKey());
        Map<String, String> headers = new java.util.HashMap<>(server.auth());
        headers.put("Authorization", "Bearer " + again.apiKey().orElseThrow());
        assertThat(server.http.request("GET", "/v1/admin/assistant").headers(headers).send().status()).isEqualTo(200);
        assertThat(server.http.request("GET", "/v1/admin/assistant").headers(server.auth()).send().status()).isEqualTo(200);
    }

    @Test
    void keysAreStoredOnlyAsHashes() {
        String token = server.tenancy.apiKey().orElseThrow();
        // prl_<key id>_<secret>: the secret is base64url and may itself contain '_' (taking the text
        // after the last '_' once gave a two-letter "secret" that the stored bytes happened to contain).
        String secret = token.split("_", 3)[2];
        assertThat(secret).hasSizeGreaterThanOrEqualTo(43);
        long plain = server.count("SELECT count(*) FROM api_keys WHERE strpos(encode(secret_sha256, 'escape'), '" + secret + "') > 0"
                + " OR strpos(name, '" + secret + "') > 0");
        assertThat(plain).isZero();
        assertThat(server.count("SELECT min(length(secret_sha256)) FROM api_keys")).isEqualTo(32);
    }
}
