package dev.parley.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.support.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * {@code parley keys} and {@code parley workspaces} against the database of a running node, as an
 * operator with no working key would use them; what they do is seen through the node's HTTP API.
 */
@Tag("db")
class KeysAndWorkspacesCommandTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass();
    private static final ObjectMapper JSON = new ObjectMapper();

    record Run(int exit, String out, String err) {
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + out + err, e);
            }
        }
    }

    @Test
    void aKeyCreatedByTheCliWorksAndItsRevocationHoldsOnTheRunningNodeAtOnce() {
        Run created = parley("keys", "create", "--name", "ops laptop", "--json");
        assertThat(created.exit()).as(created.err()).isZero();
        String token = created.json().get("api_key").asText();
        String id = created.json().get("api_key_id").asText();
        assertThat(status(token, server.tenancy.workspaceId())).isEqualTo(200);

        Run list = parley("keys", "list");
        assertThat(list.out()).contains(id).contains("ops laptop").doesNotContain(token.substring(21));

        Run revoked = parley("keys", "revoke", id);
        assertThat(revoked.exit()).as(revoked.err()).isZero();
        assertThat(revoked.out()).contains("Revoked API key " + id);
        assertThat(status(token, server.tenancy.workspaceId())).isEqualTo(401);
        assertThat(parley("keys", "list", "--json").json().findValuesAsText("api_key_id")).doesNotContain(id);
    }

    @Test
    void aWorkspaceCreatedByTheCliIsUsableAtOnceAndAKeyCanBeLimitedToIt() {
        Run ws = parley("workspaces", "create", "client-zeta", "--json");
        assertThat(ws.exit()).as(ws.err()).isZero();
        String wsId = ws.json().get("workspace_id").asText();
        assertThat(parley("workspaces", "list").out()).contains(wsId).contains("client-zeta");
        assertThat(status(server.tenancy.apiKey().orElseThrow(), wsId)).isEqualTo(200);

        String scoped = parley("keys", "create", "--name", "zeta", "--workspace", wsId, "--json").json().get("api_key").asText();
        assertThat(status(scoped, wsId)).isEqualTo(200);
        assertThat(status(scoped, server.tenancy.workspaceId())).isEqualTo(401);
    }

    @Test
    void mistakesPrintAMessageAndExitNonZero() {
        Run badName = parley("workspaces", "create", " ");
        assertThat(badName.exit()).isEqualTo(2);
        assertThat(badName.err()).startsWith("parley: 'name' is required");
        Run unknown = parley("keys", "revoke", "0123456789abcdef");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("No API key 0123456789abcdef");
        Run badTime = parley("keys", "create", "--name", "x", "--expires-at", "tomorrow");
        assertThat(badTime.exit()).isEqualTo(2);
        assertThat(badTime.err()).contains("--expires-at must be a time in ISO 8601");
    }

    private static int status(String token, String workspace) {
        return server.http.request("GET", "/v1/admin/assistant").headers(Map.of("organization", server.tenancy.organizationId(),
                "workspace", workspace, "Authorization", "Bearer " + token)).send().status();
    }

    private static Run parley(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        try {
            all.addAll(List.of("--database-url", server.databaseUrl, "--data-dir", Files.createTempDirectory("parley-cli").toString()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }
}
