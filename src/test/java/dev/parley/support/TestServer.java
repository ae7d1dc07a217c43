package dev.parley.support;

import dev.parley.Bootstrap;
import dev.parley.ParleyApp;
import dev.parley.config.ConfigLoader;
import dev.parley.config.ParleyConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The production app on a random port and a fresh database, with the default tenancy that
 * {@code parley init} creates. Tests talk to it only over HTTP. Either started at once
 * ({@link #start()}, closed by the test) or one per test class:
 * {@code @RegisterExtension static final TestServer server = TestServer.perClass();}
 */
public final class TestServer implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
    public static final String MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    public ParleyApp app;
    public Http http;
    public Bootstrap.Tenancy tenancy;
    public String databaseUrl;
    private ParleyConfig config;

    private final Map<String, String> settings;
    private final InstantSource callingHoursClock;

    private TestServer(Map<String, String> settings) {
        this(settings, InstantSource.system());
    }

    private TestServer(Map<String, String> settings, InstantSource callingHoursClock) {
        this.settings = settings;
        this.callingHoursClock = callingHoursClock;
    }

    public static TestServer start() {
        return start(Map.of());
    }

    /** With extra settings (config keys), on a fresh database. */
    public static TestServer start(Map<String, String> settings) {
        TestServer server = new TestServer(settings);
        server.boot(TestPostgres.newDatabaseUrl());
        return server;
    }

    /** With calling hours judged (and dial jobs due) by {@code clock}, so a test can move time. */
    public static TestServer start(Map<String, String> settings, InstantSource clock) {
        TestServer server = new TestServer(settings, clock);
        server.boot(TestPostgres.newDatabaseUrl());
        return server;
    }

    /** Another node on an existing database, as in a multi-node deployment. */
    public static TestServer onDatabase(String databaseUrl, Map<String, String> settings) {
        TestServer server = new TestServer(settings);
        server.boot(databaseUrl);
        return server;
    }

    public static TestServer perClass() {
        return new TestServer(Map.of());
    }

    public static TestServer perClass(Map<String, String> settings) {
        return new TestServer(settings);
    }

    /** JUnit calls a class's extensions again for each of its {@code @Nested} classes: they share the one server. */
    @Override
    public void beforeAll(ExtensionContext context) {
        if (app == null) {
            boot(TestPostgres.newDatabaseUrl());
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (!context.getRequiredTestClass().isAnnotationPresent(org.junit.jupiter.api.Nested.class)) {
            close();
        }
    }

    private void boot(String databaseUrl) {
        this.databaseUrl = databaseUrl;
        try {
            Map<String, String> values = new java.util.HashMap<>(settings);
            values.putIfAbsent(ConfigLoader.HTTP_PORT, "0"); // a fixed port when public.url must name it (carrier tests)
            values.put(ConfigLoader.DATABASE_URL, databaseUrl);
            values.putIfAbsent(ConfigLoader.DATA_DIR, Files.createTempDirectory("parley-test").toString());
            // Nodes of one database share the master key, as they must in production.
            values.putIfAbsent(ConfigLoader.SECRETS_MASTER_KEY, MASTER_KEY);
            // Every server gets its own SIP port; the dialer runs only in tests that place calls.
            values.putIfAbsent(ConfigLoader.SIP_LISTEN, "127.0.0.1:" + Sipp.freeUdpPort());
            values.putIfAbsent(ConfigLoader.DIALER_ENABLED, "false");
            values.putIfAbsent(ConfigLoader.RTP_PORTS, TestPorts.rtpPorts()); // the fork's own: forks run at once
            this.config = ConfigLoader.of(values);
            this.app = ParleyApp.start(config, callingHoursClock);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.http = new Http(app.port());
        this.tenancy = Bootstrap.init(app.database());
    }

    /** The seed's three headers for the default tenancy (Content-Type is added with a body). */
    public Map<String, String> auth() {
        return Map.of("workspace", tenancy.workspaceId(), "organization", tenancy.organizationId(),
                "Authorization", "Bearer " + tenancy.apiKey().orElseThrow());
    }

    /**
     * Calls of the default workspace at any hour: for tests that dial through a SIP trunk (the
     * node's or a number's), which calling hours would otherwise hold until 08:00 at the callee's.
     */
    public void callAtAnyHour() {
        Http.Response r = http.request("PATCH", "/v1/admin/workspace").headers(auth()).json("{\"calling_window\": null}").send();
        if (r.status() != 200) {
            throw new AssertionError("could not turn calling hours off: " + r.status() + " " + r.body());
        }
    }

    /**
     * A new webhook signing secret for the default workspace, as its owner learns one: the API shows
     * a secret only in the rotation's answer.
     */
    public String rotateSigningSecret() {
        Http.Response r = http.request("POST", "/v1/admin/workspace/webhook-secret/rotate").headers(auth()).send();
        if (r.status() != 200) {
            throw new AssertionError("could not rotate the signing secret: " + r.status() + " " + r.body());
        }
        return r.json().at("/data/webhook_signing_secret").asText();
    }

    public Http.Response createCall(String toNumber) {
        return http.request("POST", "/v1/admin/assistant/call").headers(auth())
                .json("{\"assistant_id\":\"" + tenancy.assistantId() + "\",\"to_number\":\"" + toNumber + "\"}").send();
    }

    public Http.Response createAssistant(String json) {
        return http.request("POST", "/v1/admin/assistant").headers(auth()).json(json).send();
    }

    /**
     * A baresip softphone registered to this server's sandbox as {@code number} (SIP on
     * {@code sipPort}), playing {@code microphone}; returns once the registration is stored.
     */
    public Baresip softphone(String number, int sipPort, java.nio.file.Path microphone) throws InterruptedException {
        String password = http.request("GET", "/v1/admin/sandbox").headers(auth()).send().json().at("/data/password").asText();
        Baresip phone = Baresip.register(number, password, "127.0.0.1", sipPort, microphone);
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(15).toNanos();
        while (count("SELECT count(*) FROM sandbox_registrations WHERE number = '" + number + "'") == 0) {
            if (System.nanoTime() > deadline) {
                phone.close();
                throw new AssertionError("baresip did not register within 15 s; its log:\n" + phone.log());
            }
            Thread.sleep(100); // a real registration over UDP: nothing to advance but the clock
        }
        return phone;
    }

    private static final java.util.regex.Pattern FREE_RECOGNIZERS =
            java.util.regex.Pattern.compile("^parley_speech_recognizers\\{state=\"free\"} ([0-9.]+)$", java.util.regex.Pattern.MULTILINE);

    /**
     * Returns once every Sphinx4 recognizer of this dialing node is made. They load on background
     * threads after the start (1-2 s each on an idle machine, far longer on a busy one), a core
     * each: a call placed meanwhile measures the machine's load, not the conversation's latency.
     * Classes that assert latencies or real-time audio call it before their first call.
     */
    public void awaitSpeechEngines() {
        int size = config.speech().recognizers();
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(90).toNanos();
        while (true) {
            java.util.regex.Matcher m = FREE_RECOGNIZERS.matcher(http.request("GET", "/metrics").send().body());
            if (m.find() && Double.parseDouble(m.group(1)) >= size) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the node's " + size + " speech recognizers were not ready within 90 s");
            }
            try {
                Thread.sleep(50); // loading: nothing to advance but the clock
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while the recognizers loaded", e);
            }
        }
    }

    public long count(String sql) {
        return app.database().jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    @Override
    public void close() {
        app.close();
    }
}
