package dev.parley;

import dev.parley.api.ApiServer;
import dev.parley.api.Json;
import dev.parley.assistant.AssistantService;
import dev.parley.assistant.AssistantStore;
import dev.parley.call.CallInserts;
import dev.parley.call.CallService;
import dev.parley.call.CallTransitions;
import dev.parley.dialer.DialQueue;
import dev.parley.dialer.Dialer;
import dev.parley.dialer.Hangups;
import dev.parley.number.PhoneNumberService;
import dev.parley.number.SandboxRegistrations;
import dev.parley.recording.RecordingStore;
import dev.parley.telephony.sip.SipTelephonyProvider;
import dev.parley.telephony.sip.SipUserAgent;
import dev.parley.call.CallStore;
import dev.parley.config.ParleyConfig;
import dev.parley.store.Database;
import dev.parley.tenancy.ApiKeyService;
import dev.parley.tenancy.Authenticator;
import dev.parley.tenancy.KeyUsage;
import dev.parley.tenancy.SecretBox;
import dev.parley.tenancy.TenancyStore;
import dev.parley.tenancy.WorkspaceService;
import dev.parley.tenancy.Workspaces;
import dev.parley.webhook.Outbox;
import dev.parley.webhook.WebhookDispatcher;
import dev.parley.webhook.WebhookStore;
import dev.parley.webhook.WebhookUrlPolicy;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.InstantSource;

/** The running platform: database, services and HTTP API, wired by hand in this one place. */
public final class ParleyApp implements AutoCloseable {
    private final Database database;
    private final WebhookDispatcher webhooks;
    private final CallService calls;
    private final CallTransitions transitions;
    private final Dialer dialer; // null when no SIP trunk is configured: calls then stay queued
    private final ApiServer api;
    private final KeyUsage keyUsage;
    private final JvmGcMetrics gcMetrics;

    private ParleyApp(Database database, WebhookDispatcher webhooks, CallService calls, CallTransitions transitions,
                      Dialer dialer, ApiServer api, KeyUsage keyUsage, JvmGcMetrics gcMetrics) {
        this.keyUsage = keyUsage;
        this.dialer = dialer;
        this.database = database;
        this.webhooks = webhooks;
        this.calls = calls;
        this.transitions = transitions;
        this.api = api;
        this.gcMetrics = gcMetrics;
    }

    public static ParleyApp start(ParleyConfig config) {
        dev.parley.logging.JulToSlf4j.install(); // before any library logs through java.util.logging
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(metrics);
        Database database = Database.open(config, false, metrics);
        try {
            var json = Json.mapper();
            var clock = InstantSource.system();
            var tenancy = new TenancyStore(database.jdbi());
            var urls = new WebhookUrlPolicy(config.webhooks());
            var secretBox = SecretBox.open(config);
            var workspaces = new WorkspaceService(database.jdbi(), secretBox, urls, clock);
            var deliveries = new WebhookStore(database.jdbi());
            var webhooks = new WebhookDispatcher(deliveries, workspaces, urls, config.webhooks(), clock, metrics);
            var callStore = new CallStore(database.jdbi(), database.dataSource(), json);
            var transitions = new CallTransitions(database.jdbi(), callStore, new Outbox(json), json, clock, webhooks::wake, metrics);
            var phoneNumbers = new PhoneNumberService(database.jdbi(), secretBox);
            var recordings = RecordingStore.of(config.recordings(), database.jdbi(), config.dataDir().resolve("recordings"));
            Dialer dialer = config.telephony().dialerEnabled()
                    ? startDialer(config, database, transitions, workspaces, phoneNumbers, recordings, metrics, json) : null;
            Runnable accepted = () -> {
                webhooks.wake();
                if (dialer != null) {
                    dialer.wake();
                }
            };
            var calls = new CallService(callStore, new CallInserts(database.dataSource(), 2, metrics, accepted), urls, json);
            var hangups = new Hangups(database.jdbi(), transitions, dialer == null ? () -> { } : dialer::wake);
            var keyUsage = new KeyUsage(database.jdbi(), clock); // last here: closed by the catch below
            var services = new ApiServer.Services(
                    new Authenticator(tenancy, keyUsage, clock),
                    new AssistantService(new AssistantStore(database.jdbi(), json), urls, clock),
                    calls, hangups, workspaces, phoneNumbers, deliveries,
                    new Workspaces(database.jdbi()), new ApiKeyService(database.jdbi(), keyUsage, clock),
                    database, metrics, json, recordings,
                    config.telephony().sipHost(), config.telephony().sipPort());
            try {
                ApiServer api = ApiServer.start(config.http(), services);
                return new ParleyApp(database, webhooks, calls, transitions, dialer, api, keyUsage, gc);
            } catch (RuntimeException e) {
                keyUsage.close();
                calls.close();
                if (dialer != null) {
                    dialer.close();
                }
                webhooks.close();
                throw e;
            }
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    private static Dialer startDialer(ParleyConfig config, Database database, CallTransitions transitions,
                                      WorkspaceService workspaces, PhoneNumberService phoneNumbers, RecordingStore recordings,
                                      io.micrometer.core.instrument.MeterRegistry metrics,
                                      com.fasterxml.jackson.databind.ObjectMapper json) {
        ParleyConfig.Telephony t = config.telephony();
        var ua = new SipUserAgent(new SipUserAgent.Settings(t.sipHost(), t.sipPort(), t.externalHost(), "Parley/0.1"));
        var sandbox = new SandboxRegistrations(database.jdbi());
        if (t.trunk().isEmpty()) {
            ua.enableSandbox(sandbox, workspaces::sandboxPasswords);
        }
        java.net.InetAddress rtpHost;
        try {
            rtpHost = java.net.InetAddress.getByName(t.sipHost());
        } catch (java.net.UnknownHostException e) {
            throw new dev.parley.config.ConfigException("sip.listen host '" + t.sipHost() + "' does not resolve");
        }
        var provider = new SipTelephonyProvider(ua, t.sipHost(), t.trunk(), sandbox,
                new dev.parley.media.RtpPorts(rtpHost, t.rtpFirst(), t.rtpLast()), phoneNumbers::trunkFor);
        provider.bindMetrics(metrics);
        var conversations = conversations(config.speech(), database, json, metrics);
        return new Dialer(new DialQueue(database.jdbi()), transitions, provider,
                new Dialer.ConversationFactory() {
                    @Override
                    public dev.parley.conversation.Conversation open(DialQueue.Job job, dev.parley.conversation.Conversation.Line line) {
                        return conversations.open(job.callId(), job.workspaceId(), job.assistantId(), job.variables(), line);
                    }

                    @Override
                    public void close() {
                        conversations.close();
                    }
                },
                new dev.parley.call.TranscriptStore(database.jdbi()),
                recordings,
                new Dialer.Settings(t.maxCalls(), t.ringTimeout(), t.lease()), metrics);
    }

    /**
     * The offline speech engines, made once per node: voices at once, recognizers on background
     * threads (a second or two each), primed with a few seconds of the voice's speech.
     */
    private static dev.parley.conversation.Conversations conversations(ParleyConfig.Speech speech, Database database,
                                                                       com.fasterxml.jackson.databind.ObjectMapper json,
                                                                       io.micrometer.core.instrument.MeterRegistry metrics) {
        var voices = new dev.parley.ai.freetts.FreeTtsVoices(speech.voices());
        short[] primer;
        try {
            primer = voices.pcm("Hello, this is Parley. Thank you for taking my call. Can you hear me well? Goodbye.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        }
        var pool = new dev.parley.ai.sphinx.RecognizerPool(speech.recognizers(), primer);
        io.micrometer.core.instrument.Gauge.builder("parley.speech.recognizers", pool, p -> p.free())
                .tag("state", "free").register(metrics);
        io.micrometer.core.instrument.Gauge.builder("parley.speech.recognizers", pool, p -> p.inUse())
                .tag("state", "in_use").register(metrics);
        io.micrometer.core.instrument.FunctionCounter.builder("parley.speech.recognizer.waits.timed_out", pool,
                p -> p.timedOutBorrows()).description("Utterances that found no recognizer free in time").register(metrics);
        var bargeIn = io.micrometer.core.instrument.Timer.builder("parley.conversation.barge_in")
                .description("Caller speech onset to the assistant's audio stopping").publishPercentileHistogram().register(metrics);
        var platform = io.micrometer.core.instrument.Timer.builder("parley.conversation.platform_latency")
                .description("Parley's own share of a turn's response time").publishPercentileHistogram().register(metrics);
        var total = io.micrometer.core.instrument.Timer.builder("parley.conversation.response_latency")
                .description("The caller's last word (or the answer) to the assistant's first audio").publishPercentileHistogram()
                .register(metrics);
        var observer = new dev.parley.conversation.Conversation.Observer() {
            @Override
            public void bargeIn(long stopMillis) {
                bargeIn.record(java.time.Duration.ofMillis(stopMillis));
            }

            @Override
            public void turn(dev.parley.call.TurnLatency l) {
                platform.record(java.time.Duration.ofMillis(l.platformMs()));
                total.record(java.time.Duration.ofMillis(l.totalMs()));
            }
        };
        return new dev.parley.conversation.Conversations(new dev.parley.assistant.AssistantStore(database.jdbi(), json), json,
                new dev.parley.ai.sphinx.SphinxSpeechToText(pool, speech.recognizerWait()), voices, observer, pool);
    }

    public int port() {
        return api.port();
    }

    /** Status changes after acceptance: what the dialer and the conversation drive. */
    public CallTransitions transitions() {
        return transitions;
    }

    public Database database() {
        return database;
    }

    @Override
    public void close() {
        api.close();
        keyUsage.close(); // the last minute of key use
        calls.close();
        if (dialer != null) {
            dialer.close(); // hangs up this node's calls and records how they ended
        }
        webhooks.close();
        gcMetrics.close();
        database.close();
    }
}
