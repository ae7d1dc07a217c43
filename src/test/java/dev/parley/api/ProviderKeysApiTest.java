package dev.parley.api;

import static dev.parley.api.MakeACallApiTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.parley.support.CapturedLog;
import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.ai.BaseUrlPolicy;
import dev.parley.ai.Endpoints;
import dev.parley.ai.KeyedProvider;
import dev.parley.assistant.AssistantStore;
import dev.parley.config.ConfigLoader;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Network providers' API keys (issue 11): set per workspace, never shown, the node's as fallback,
 * and create-call refusing an assistant whose provider has no key. The node has an ElevenLabs key
 * and lets base_urls reach 127.0.0.1 and llm.lan (a model server on the LAN); it is not in
 * development mode (an external database), so plain http elsewhere is refused.
 */
@Tag("db")
class ProviderKeysApiTest {
    static final String NODE_ELEVENLABS_KEY = "node-elevenlabs-" + UUID.randomUUID();

    @RegisterExtension
    static final TestServer server = TestServer.perClass(Map.of(
            "providers.elevenlabs.api.key", NODE_ELEVENLABS_KEY,
            ConfigLoader.PROVIDERS_ALLOWED_HOSTS, "127.0.0.1, llm.lan"));

    static CapturedLog log;
    static Level parleyLevel;

    /** Every log line of the test class, DEBUG included for Parley's own code, to look for keys in. */
    @BeforeAll
    static void captureLog() {
        log = CapturedLog.everything();
        Logger parley = (Logger) LoggerFactory.getLogger("dev.parley");
        parleyLevel = parley.getLevel();
        parley.setLevel(Level.DEBUG);
    }

    @AfterAll
    static void releaseLog() {
        log.close();
        ((Logger) LoggerFactory.getLogger("dev.parley")).setLevel(parleyLevel);
    }

    @Test
    void aKeyIsSetListedWithoutItselfAndDeleted() {
        String key = "dg-" + UUID.randomUUID();
        Http.Response put = put("/v1/admin/credentials/deepgram", "{\"api_key\":\"" + key + "\"}", server.auth());
        JsonNode set = ok(put);
        assertThat(put.body()).doesNotContain(key);
        assertThat(set.get("provider").asText()).isEqualTo("deepgram");
        assertThat(set.get("source").asText()).isEqualTo("workspace");
        assertThat(Instant.parse(set.get("set_at").asText())).isAfter(Instant.now().minusSeconds(60));

        Http.Response listed = get("/v1/admin/credentials", server.auth());
        assertThat(listed.body()).doesNotContain(key).doesNotContain(NODE_ELEVENLABS_KEY);
        JsonNode items = ok(listed).get("items");
        assertThat(items.findValuesAsText("provider")).containsExactly("openai", "deepgram", "elevenlabs");
        assertThat(item(items, "deepgram").get("workspace_key").asBoolean()).isTrue();
        assertThat(item(items, "deepgram").get("node_key").asBoolean()).isFalse();
        assertThat(item(items, "openai").get("source").asText()).isEqualTo("none");
        assertThat(item(items, "openai").get("set_at").isNull()).isTrue();
        assertThat(atOwnService(server.tenancy.workspaceId(), "deepgram")).contains(key);
        // Sealed at rest: the key's text is nowhere in the row.
        assertThat(server.count("SELECT count(*) FROM provider_credentials WHERE position(convert_to('" + key
                + "', 'UTF8') IN api_key) > 0")).isZero();

        String replacement = "dg-" + UUID.randomUUID();
        ok(put("/v1/admin/credentials/deepgram", "{\"api_key\":\"" + replacement + "\"}", server.auth()));
        assertThat(atOwnService(server.tenancy.workspaceId(), "deepgram")).contains(replacement);

        Http.Response deleted = delete("/v1/admin/credentials/deepgram", server.auth());
        assertThat(ok(deleted).get("source").asText()).isEqualTo("none");
        assertThat(deleted.body()).doesNotContain(replacement);
        assertThat(item(ok(get("/v1/admin/credentials", server.auth())).get("items"), "deepgram").get("workspace_key").asBoolean())
                .isFalse();
        assertThat(atOwnService(server.tenancy.workspaceId(), "deepgram")).isEmpty();
        assertError(delete("/v1/admin/credentials/deepgram", server.auth()), 404, "credential_not_found");

        assertNotLogged(key, replacement, NODE_ELEVENLABS_KEY);
    }

    @Test
    void unknownProvidersAndBadBodiesAreRefusedWithoutEchoingTheKey() {
        Http.Response unknown = put("/v1/admin/credentials/twilio", "{\"api_key\":\"k-1234567890\"}", server.auth());
        assertError(unknown, 400, "invalid_request");
        assertThat(unknown.json().at("/error/field").asText()).isEqualTo("provider");
        assertThat(unknown.message()).contains("openai, deepgram, elevenlabs");
        assertError(delete("/v1/admin/credentials/nope", server.auth()), 400, "invalid_request");

        String secret = "sk-" + UUID.randomUUID();
        for (String body : new String[] {"{}", "{\"api_key\":\"\"}", "{\"api_key\":\"   \"}", "{\"api_key\":5}", "[]",
                "{\"api_key\":\"" + secret + "\\n\"}", "{\"api_key\":\" " + secret + "\"}", "{\"api_key\":\"" + secret + "\\u0007\"}",
                "{\"api_key\":\"" + "k".repeat(1001) + "\"}", "{\"api_key\":\"" + secret + "\",\"extra\":1}"}) {
            Http.Response r = put("/v1/admin/credentials/openai", body, server.auth());
            assertError(r, 400, "invalid_request");
            assertThat(r.body()).as(body).doesNotContain(secret);
        }
        assertThat(put("/v1/admin/credentials/openai", "{\"api_key\":\"x\"}", Map.of()).status()).isEqualTo(401);
        Http.Response noType = server.http.request("PUT", "/v1/admin/credentials/openai").headers(server.auth())
                .header("Content-Type", "text/plain").body("{\"api_key\":\"x\"}".getBytes()).send();
        assertError(noType, 415, "unsupported_media_type");
        assertThat(server.count("SELECT count(*) FROM provider_credentials WHERE provider = 'openai'")).isZero();
        assertNotLogged(secret);
    }

    @Test
    void anotherWorkspaceNeitherSeesNorUsesTheKey() {
        String key = "dg-" + UUID.randomUUID();
        ok(put("/v1/admin/credentials/deepgram", "{\"api_key\":\"" + key + "\"}", server.auth()));
        try {
            String other = ok(post("/v1/admin/workspaces", "{\"name\":\"other\"}", server.auth())).get("workspace_id").asText();
            Map<String, String> inOther = Map.of("workspace", other, "organization", server.tenancy.organizationId(),
                    "Authorization", "Bearer " + server.tenancy.apiKey().orElseThrow());
            JsonNode theirs = item(ok(get("/v1/admin/credentials", inOther)).get("items"), "deepgram");
            assertThat(theirs.get("source").asText()).isEqualTo("none");
            assertThat(atOwnService(other, "deepgram")).isEmpty();
            String assistant = assistant(inOther, "{\"transcriber\":{\"provider\":\"deepgram\"}}");
            assertError(call(inOther, assistant, Optional.empty()), 409, "provider_key_missing");
            assertError(delete("/v1/admin/credentials/deepgram", inOther), 404, "credential_not_found");

            // A deleted workspace's keys go with it.
            ok(put("/v1/admin/credentials/deepgram", "{\"api_key\":\"theirs-123456\"}", inOther));
            ok(delete("/v1/admin/workspaces/" + other, server.auth()));
            assertThat(server.count("SELECT count(*) FROM provider_credentials WHERE workspace_id = '" + other + "'")).isZero();
        } finally {
            ok(delete("/v1/admin/credentials/deepgram", server.auth()));
        }
    }

    @Test
    void theNodesKeyIsTheFallbackAndAWorkspaceKeyOverridesIt() {
        String ws = server.tenancy.workspaceId();
        JsonNode eleven = item(ok(get("/v1/admin/credentials", server.auth())).get("items"), "elevenlabs");
        assertThat(eleven.get("source").asText()).isEqualTo("node");
        assertThat(eleven.get("node_key").asBoolean()).isTrue();
        assertThat(eleven.get("workspace_key").asBoolean()).isFalse();
        assertThat(atOwnService(ws, "elevenlabs")).contains(NODE_ELEVENLABS_KEY);
        String assistant = assistant(server.auth(), "{\"voice\":{\"provider\":\"elevenlabs\",\"voiceId\":\"21m00Tcm4TlvDq8ikWAM\"}}");
        ok(call(server.auth(), assistant, Optional.empty()));

        String own = "el-" + UUID.randomUUID();
        assertThat(ok(put("/v1/admin/credentials/elevenlabs", "{\"api_key\":\"" + own + "\"}", server.auth())).get("source").asText())
                .isEqualTo("workspace");
        assertThat(atOwnService(ws, "elevenlabs")).contains(own);
        Http.Response deleted = delete("/v1/admin/credentials/elevenlabs", server.auth());
        assertThat(ok(deleted).get("source").asText()).isEqualTo("node");
        assertThat(deleted.message()).contains("node's key");
        assertThat(atOwnService(ws, "elevenlabs")).contains(NODE_ELEVENLABS_KEY);
        assertNotLogged(own, NODE_ELEVENLABS_KEY);
    }

    @Test
    void aCallIsRefusedUntilItsProvidersHaveKeysOnBothCreatePaths() {
        String deepgram = assistant(server.auth(), "{\"transcriber\":{\"provider\":\"deepgram\"}}");
        String idempotent = "dg-" + UUID.randomUUID();
        for (Optional<String> idempotencyKey : java.util.List.of(Optional.<String>empty(), Optional.of(idempotent))) {
            Http.Response refused = call(server.auth(), deepgram, idempotencyKey);
            assertError(refused, 409, "provider_key_missing");
            assertThat(refused.message()).isEqualTo("the assistant's config.transcriber uses provider 'deepgram', and this workspace"
                    + " has no API key for it: add one with PUT /v1/admin/credentials/deepgram {\"api_key\": \"...\"}");
            assertThat(refused.json().at("/error/provider").asText()).isEqualTo("deepgram");
        }
        assertThat(server.count("SELECT count(*) FROM calls WHERE assistant_id = '" + deepgram + "'")).isZero();

        String openai = assistant(server.auth(), "{\"model\":{\"provider\":\"openai\",\"base_url\":\"https://api.openai.com/v1\"}}");
        assertThat(call(server.auth(), openai, Optional.empty()).message()).contains("config.model uses provider 'openai'")
                .contains("PUT /v1/admin/credentials/openai");
        // A fallback that cannot work is a misconfiguration too (the primary voice has the node's key).
        String fallback = assistant(server.auth(), "{\"voice\":{\"provider\":\"elevenlabs\",\"fallbacks\":[{\"provider\":\"openai\"}]}}");
        assertThat(call(server.auth(), fallback, Optional.empty()).message()).contains("config.voice.fallbacks[0] uses provider 'openai'");

        ok(put("/v1/admin/credentials/deepgram", "{\"api_key\":\"dg-" + UUID.randomUUID() + "\"}", server.auth()));
        ok(put("/v1/admin/credentials/openai", "{\"api_key\":\"sk-" + UUID.randomUUID() + "\"}", server.auth()));
        ok(call(server.auth(), deepgram, Optional.empty()));
        // The refusal kept nothing of the Idempotency-Key: the same request goes through now.
        assertThat(ok(call(server.auth(), deepgram, Optional.of(idempotent))).get("call_id").asText()).startsWith("c_");
        ok(call(server.auth(), openai, Optional.empty()));
        ok(call(server.auth(), fallback, Optional.of("fb-" + UUID.randomUUID())));
        ok(delete("/v1/admin/credentials/deepgram", server.auth()));
        ok(delete("/v1/admin/credentials/openai", server.auth()));
        assertError(call(server.auth(), deepgram, Optional.empty()), 409, "provider_key_missing");
    }

    @Test
    void openaiAtALocalServerNeedsNoKey() {
        String local = assistant(server.auth(), "{\"model\":{\"provider\":\"openai\",\"model\":\"llama3.2\","
                + "\"base_url\":\"http://127.0.0.1:11434/v1\"},\"voice\":{\"provider\":\"openai\",\"base_url\":\"http://llm.lan:8000/v1\"},"
                + "\"transcriber\":{\"provider\":\"openai\",\"base_url\":\"http://llm.lan:8000/v1\"}}");
        ok(call(server.auth(), local, Optional.empty()));
        ok(call(server.auth(), local, Optional.of("local-" + UUID.randomUUID())));
    }

    @Test
    void baseUrlsFollowTheRulesOfWebhookUrlsWithTheirOwnAllowList() {
        refusedBaseUrl("{\"model\":{\"provider\":\"openai\",\"base_url\":\"https://10.1.2.3/v1\"}}", "config.model.base_url",
                "providers.allowed.hosts");
        refusedBaseUrl("{\"model\":{\"provider\":\"openai\",\"base_url\":\"http://models.example.com/v1\"}}", "config.model.base_url",
                "https://");
        refusedBaseUrl("{\"transcriber\":{\"provider\":\"deepgram\",\"base_url\":\"https://169.254.169.254\"}}",
                "config.transcriber.base_url", "link-local");
        refusedBaseUrl("{\"voice\":{\"provider\":\"elevenlabs\",\"fallbacks\":[{\"provider\":\"elevenlabs\","
                + "\"base_url\":\"https://192.168.0.7\"}]}}", "config.voice.fallbacks[0].base_url", "private");
        refusedBaseUrl("{\"model\":{\"provider\":\"openai\",\"base_url\":\"https://localhost:8000/v1\"}}", "config.model.base_url",
                "localhost");

        // Allowed: public https, and the allow-listed host and address over plain http.
        String a = assistant(server.auth(), "{\"transcriber\":{\"provider\":\"deepgram\",\"base_url\":\"https://api.deepgram.com\"}}");
        assistant(server.auth(), "{\"model\":{\"provider\":\"openai\",\"base_url\":\"http://llm.lan:8080/v1\"}}");
        // Changed later: the same check.
        Http.Response patched = server.http.request("PATCH", "/v1/admin/assistant/" + a).headers(server.auth())
                .json("{\"config\":{\"transcriber\":{\"base_url\":\"https://172.16.0.1\"}}}").send();
        assertError(patched, 400, "invalid_request");
        assertThat(patched.json().at("/error/field").asText()).isEqualTo("config.transcriber.base_url");
    }

    /**
     * The leak this closes: an assistant's base_url naming a server of the caller's choosing must
     * not make the workspace's or the node's key go there. Endpoints as calls build them, over the
     * node's real key store.
     */
    @Test
    void aKeyGoesOnlyToTheServerItIsFor() {
        String ws = server.tenancy.workspaceId();
        Endpoints endpoints = new Endpoints(server.app.providerKeys(), new BaseUrlPolicy(
                ConfigLoader.of(Map.of(ConfigLoader.PROVIDERS_ALLOWED_HOSTS, "127.0.0.1")).providers()));
        Optional<String> fake = Optional.of("http://127.0.0.1:11434/v1");
        String unscoped = "sk-" + UUID.randomUUID();
        String scoped = "sk-" + UUID.randomUUID();
        String eleven = "el-" + UUID.randomUUID();
        try {
            ok(put("/v1/admin/credentials/openai", "{\"api_key\":\"" + unscoped + "\"}", server.auth()));
            assertThat(endpoints.of(ws, "openai", Optional.empty()).apiKey()).contains(unscoped);
            assertThat(endpoints.of(ws, "openai", Optional.of("https://api.openai.com:443/v1")).apiKey()).contains(unscoped);
            assertThat(endpoints.of(ws, "openai", fake).apiKey()).as("an unscoped key is OpenAI's alone").isEmpty();

            ok(put("/v1/admin/credentials/openai", "{\"api_key\":\"" + scoped + "\",\"base_url\":\"http://127.0.0.1:11434\"}",
                    server.auth()));
            assertThat(endpoints.of(ws, "openai", fake).apiKey()).as("the path is not part of the scope").contains(scoped);
            assertThat(endpoints.of(ws, "openai", Optional.of("http://127.0.0.1:11435/v1")).apiKey()).isEmpty();
            assertThat(endpoints.of(ws, "openai", Optional.empty()).apiKey()).as("a scoped key never goes to OpenAI").isEmpty();

            // The node's key is for ElevenLabs' own service: not for a base_url, whatever the workspace has.
            assertThat(endpoints.of(ws, "elevenlabs", Optional.empty()).apiKey()).contains(NODE_ELEVENLABS_KEY);
            assertThat(endpoints.of(ws, "elevenlabs", fake).apiKey()).isEmpty();
            ok(put("/v1/admin/credentials/elevenlabs", "{\"api_key\":\"" + eleven + "\",\"base_url\":\"" + fake.get() + "\"}",
                    server.auth()));
            assertThat(endpoints.of(ws, "elevenlabs", fake).apiKey()).contains(eleven);
            assertThat(endpoints.of(ws, "elevenlabs", Optional.of("http://127.0.0.1:9/v1")).apiKey()).isEmpty();
            assertThat(endpoints.of(ws, "elevenlabs", Optional.empty()).apiKey()).contains(NODE_ELEVENLABS_KEY);
            assertThat(server.app.providerKeys().key(ws, "elevenlabs", URI.create("https://API.elevenlabs.io/")))
                    .contains(NODE_ELEVENLABS_KEY);
            // Plain http to the provider's host is not its service.
            assertThat(server.app.providerKeys().key(ws, "elevenlabs", URI.create("http://api.elevenlabs.io"))).isEmpty();
        } finally {
            delete("/v1/admin/credentials/openai", server.auth());
            delete("/v1/admin/credentials/elevenlabs", server.auth());
        }
        assertNotLogged(unscoped, scoped, eleven, NODE_ELEVENLABS_KEY);
    }

    @Test
    void theScopeIsValidatedLikeABaseUrlAndShownButNotTheKey() {
        String key = "dg-" + UUID.randomUUID();
        for (String[] bad : new String[][] {
                {"http://models.example.com", "https://"}, {"https://10.1.2.3", "providers.allowed.hosts"},
                {"https://169.254.169.254", "link-local"}, {"ftp://127.0.0.1", "https://"}, {"not a url", "valid URL"},
                {"https://api.deepgram.com/v1", "deepgram's own service"}}) {
            Http.Response r = put("/v1/admin/credentials/deepgram", "{\"api_key\":\"" + key + "\",\"base_url\":\"" + bad[0]
                    + "\"}", server.auth());
            assertError(r, 400, "invalid_request");
            assertThat(r.json().at("/error/field").asText()).as(bad[0]).isEqualTo("base_url");
            assertThat(r.message()).as(bad[0]).contains(bad[1]);
            assertThat(r.body()).doesNotContain(key);
        }
        assertError(put("/v1/admin/credentials/deepgram", "{\"api_key\":\"" + key + "\",\"base_url\":5}", server.auth()),
                400, "invalid_request");
        assertThat(server.count("SELECT count(*) FROM provider_credentials WHERE provider = 'deepgram'")).isZero();

        try {
            Http.Response set = put("/v1/admin/credentials/deepgram", "{\"api_key\":\"" + key
                    + "\",\"base_url\":\"http://llm.lan:8080\"}", server.auth());
            assertThat(ok(set).get("base_url").asText()).isEqualTo("http://llm.lan:8080");
            assertThat(set.message()).contains("at http://llm.lan:8080 only");
            Http.Response listed = get("/v1/admin/credentials", server.auth());
            assertThat(listed.body()).doesNotContain(key);
            assertThat(item(ok(listed).get("items"), "deepgram").get("base_url").asText()).isEqualTo("http://llm.lan:8080");
            assertThat(item(ok(listed).get("items"), "elevenlabs").get("base_url").isNull()).isTrue();

            // Replaced without a base_url: the key is for Deepgram's own service again.
            ok(put("/v1/admin/credentials/deepgram", "{\"api_key\":\"" + key + "\",\"base_url\":null}", server.auth()));
            assertThat(item(ok(get("/v1/admin/credentials", server.auth())).get("items"), "deepgram").get("base_url").isNull())
                    .isTrue();
            assertThat(atOwnService(server.tenancy.workspaceId(), "deepgram")).contains(key);
        } finally {
            delete("/v1/admin/credentials/deepgram", server.auth());
        }
    }

    /**
     * Create-call agrees with what calls send: a use at the provider's own service needs an
     * unscoped workspace key or the node's; a use at a base_url of its own needs none, since a key
     * there is one scoped to it or nothing.
     */
    @Test
    void aKeyScopedElsewhereDoesNotLetACallReachTheProvidersOwnService() {
        String own = assistant(server.auth(), "{\"transcriber\":{\"provider\":\"deepgram\"}}");
        String selfHosted = assistant(server.auth(), "{\"transcriber\":{\"provider\":\"deepgram\","
                + "\"base_url\":\"http://127.0.0.1:8080\"},\"voice\":{\"provider\":\"elevenlabs\","
                + "\"base_url\":\"http://llm.lan:8000\"}}");
        ok(call(server.auth(), selfHosted, Optional.empty()));
        try {
            ok(put("/v1/admin/credentials/deepgram", "{\"api_key\":\"dg-" + UUID.randomUUID()
                    + "\",\"base_url\":\"http://127.0.0.1:8080\"}", server.auth()));
            assertError(call(server.auth(), own, Optional.empty()), 409, "provider_key_missing");
            assertError(call(server.auth(), own, Optional.of("own-" + UUID.randomUUID())), 409, "provider_key_missing");
            ok(call(server.auth(), selfHosted, Optional.empty()));
            ok(put("/v1/admin/credentials/deepgram", "{\"api_key\":\"dg-" + UUID.randomUUID() + "\"}", server.auth()));
            ok(call(server.auth(), own, Optional.empty()));
        } finally {
            delete("/v1/admin/credentials/deepgram", server.auth());
        }
    }

    @Test
    void assistantsSavedBeforeKeysWereCheckedGetTheirRequirementsAtStart() {
        String deepgram = assistant(server.auth(), "{\"transcriber\":{\"provider\":\"deepgram\"}}");
        server.app.database().jdbi().useHandle(h -> h.execute("UPDATE assistants SET required_keys = NULL WHERE id = ?", deepgram));
        assertThat(new AssistantStore(server.app.database().jdbi(), Json.mapper()).fillRequiredKeys()).isGreaterThanOrEqualTo(1);
        assertThat(server.count("SELECT count(*) FROM assistants WHERE required_keys IS NULL")).isZero();
        assertError(call(server.auth(), deepgram, Optional.empty()), 409, "provider_key_missing");
    }

    private static Optional<String> atOwnService(String workspaceId, String provider) {
        return server.app.providerKeys().key(workspaceId, provider, KeyedProvider.of(provider).orElseThrow().ownBaseUrl());
    }

    private static void refusedBaseUrl(String config, String field, String says) {
        Http.Response r = server.createAssistant("{\"name\":\"x\",\"config\":" + config + "}");
        assertError(r, 400, "invalid_request");
        assertThat(r.json().at("/error/field").asText()).as(config).isEqualTo(field);
        assertThat(r.message()).as(config).contains(field).contains(says);
    }

    private static void assertNotLogged(String... secrets) {
        for (String s : secrets) {
            assertThat(log.contains(s)).as("%s logged", s).isFalse();
        }
    }

    private static String assistant(Map<String, String> headers, String config) {
        return ok(post("/v1/admin/assistant", "{\"name\":\"a\",\"config\":" + config + "}", headers)).get("assistant_id").asText();
    }

    private static Http.Response call(Map<String, String> headers, String assistant, Optional<String> idempotencyKey) {
        return server.http.request("POST", "/v1/admin/assistant/call").headers(headers)
                .header("Idempotency-Key", idempotencyKey.orElse(null))
                .json("{\"assistant_id\":\"" + assistant + "\",\"to_number\":\"+14155550123\"}").send();
    }

    private static JsonNode item(JsonNode items, String provider) {
        for (JsonNode i : items) {
            if (i.get("provider").asText().equals(provider)) {
                return i;
            }
        }
        throw new AssertionError("no " + provider + " in " + items);
    }

    private static JsonNode ok(Http.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("success").asBoolean()).isTrue();
        return r.json().get("data");
    }

    private static Http.Response get(String path, Map<String, String> headers) {
        return server.http.request("GET", path).headers(headers).send();
    }

    private static Http.Response put(String path, String body, Map<String, String> headers) {
        return server.http.request("PUT", path).headers(headers).json(body).send();
    }

    private static Http.Response post(String path, String body, Map<String, String> headers) {
        Http.Request r = server.http.request("POST", path).headers(headers);
        return (body == null ? r : r.json(body)).send();
    }

    private static Http.Response delete(String path, Map<String, String> headers) {
        return server.http.request("DELETE", path).headers(headers).send();
    }
}
