package dev.parley;

import dev.parley.safeguards.DoNotCall;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.ai.BaseUrlPolicy;
import dev.parley.ai.Endpoints;
import dev.parley.ai.openai.Options;
import dev.parley.ai.tools.ToolCaller;
import java.time.InstantSource;
import dev.parley.ai.ProviderKeys;
import dev.parley.ai.freetts.FreeTtsVoices;
import dev.parley.analysis.CallAnalyst;
import dev.parley.ai.sphinx.RecognizerPool;
import dev.parley.ai.sphinx.SphinxSpeechToText;
import dev.parley.api.ApiServer;
import dev.parley.telephony.stream.CarrierStreams;
import dev.parley.telephony.stream.WebCallTokens;
import dev.parley.telephony.web.WebTelephonyProvider;
import dev.parley.telephony.telnyx.TelnyxCallStore;
import dev.parley.telephony.telnyx.TelnyxTelephonyProvider;
import java.util.function.Supplier;
import java.net.URI;
import java.util.concurrent.atomic.AtomicReference;
import dev.parley.api.Json;
import dev.parley.assistant.AssistantService;
import dev.parley.assistant.AssistantStore;
import dev.parley.call.CallInserts;
import dev.parley.call.CallService;
import dev.parley.call.CallStore;
import dev.parley.call.CallTransitions;
import dev.parley.call.TranscriptStore;
import dev.parley.call.TurnLatency;
import dev.parley.call.WebCalls;
import dev.parley.config.ConfigException;
import dev.parley.config.ParleyConfig;
import dev.parley.conversation.Conversation;
import dev.parley.credentials.ProviderCredentials;
import dev.parley.conversation.Conversations;
import dev.parley.dialer.DialQueue;
import dev.parley.safeguards.CallingHours;
import dev.parley.dialer.Dialer;
import dev.parley.dialer.Hangups;
import dev.parley.logging.JulToSlf4j;
import dev.parley.media.RtpPorts;
import dev.parley.number.PhoneNumberService;
import dev.parley.number.SandboxRegistrations;
import dev.parley.recording.RecordingStore;
import dev.parley.store.Database;
import dev.parley.telephony.CarrierProvider;
import dev.parley.telephony.RoutingTelephonyProvider;
import dev.parley.telephony.sip.SipTelephonyProvider;
import dev.parley.telephony.stream.MediaStreams;
import dev.parley.telephony.twilio.TwilioCallbacks;
import dev.parley.telephony.twilio.TwilioTelephonyProvider;
import dev.parley.telephony.sip.SipUserAgent;
import dev.parley.tenancy.ApiKeyService;
import dev.parley.tenancy.Authenticator;
import dev.parley.tenancy.DashboardSessions;
import dev.parley.tenancy.KeyUsage;
import dev.parley.tenancy.SecretBox;
import dev.parley.tenancy.TenancyStore;
import dev.parley.tenancy.WorkspaceService;
import dev.parley.tenancy.Workspaces;
import dev.parley.webhook.Outbox;
import dev.parley.webhook.WebhookDispatcher;
import dev.parley.webhook.WebhookStore;
import dev.parley.webhook.WebhookUrlPolicy;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.InstantSource;

/** The running platform: database, services and HTTP API, wired by hand in this one place. */
public final class ParleyApp implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ParleyApp.class);
    private final Database database;
    private final WebhookDispatcher webhooks;
    private final CallService calls;
    private final CallTransitions transitions;
    private final Dialer dialer; // null when no SIP trunk is configured: calls then stay queued
    private final ApiServer api;
    private final KeyUsage keyUsage;
    private final JvmGcMetrics gcMetrics;
    private final ProviderKeys providerKeys;
    private final CarrierStreams mediaStreams;

    private ParleyApp(Database database, WebhookDispatcher webhooks, CallService calls, CallTransitions transitions,
                      Dialer dialer, ApiServer api, KeyUsage keyUsage, JvmGcMetrics gcMetrics, ProviderKeys providerKeys,
                      CarrierStreams mediaStreams) {
        this.providerKeys = providerKeys;
        this.mediaStreams = mediaStreams;
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
        return start(config, InstantSource.system());
    }

    /** @param callingHoursClock the time calling hours are judged by (and jobs come due): tests move it */
    public static ParleyApp start(ParleyConfig config, InstantSource callingHoursClock) {
        JulToSlf4j.install(); // before any library logs through java.util.logging
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
            var credentials = new ProviderCredentials(database.jdbi(), secretBox, config.providers());
            var assistantStore = new AssistantStore(database.jdbi(), json);
            assistantStore.fillRequiredKeys(); // before any call is accepted against them
            var workspaces = new WorkspaceService(database.jdbi(), secretBox, urls, clock);
            var deliveries = new WebhookStore(database.jdbi());
            var webhooks = new WebhookDispatcher(deliveries, workspaces, urls, config.webhooks(), clock, metrics);
            var callStore = new CallStore(database.jdbi(), database.dataSource(), json);
            var transitions = new CallTransitions(database.jdbi(), callStore, new Outbox(json), json, clock, webhooks::wake, metrics);
            var phoneNumbers = new PhoneNumberService(database.jdbi(), secretBox, config.carriers().publicUrl());
            if (config.carriers().publicUrl().isEmpty() && phoneNumbers.anyCarrierNumbers()) {
                log.warn("Twilio or Telnyx numbers are set up but public.url is not: their calls cannot reach this node. Set public.url"
                        + " (PARLEY_PUBLIC_URL) to the https:// address the carriers reach Parley at (a tunnel works) and restart");
            }
            var twilioCallbacks = new TwilioCallbacks(config.carriers().publicUrl(), config.carriers().twilioApi(),
                    config.carriers().twilioTimeout(), database.jdbi(), phoneNumbers);
            // Carriers reach the node at public.url; without it (tests, a first look), at the address it
            // listens on, known once the API has started (its port may be chosen then).
            var listening = new AtomicReference<URI>();
            Supplier<URI> publicBase = () -> config.carriers().publicUrl().orElseGet(listening::get);
            // Browsers' tokens are checked against the web call's row, so any node can check one.
            WebCallTokens webTokens = callId -> WebCalls.ticket(database.jdbi(), callId)
                    .map(t -> new WebCallTokens.Stored(t.tokenSha256(), t.joinBy(), t.over()));
            var mediaStreams = new CarrierStreams(publicBase, webTokens, clock);
            mediaStreams.bindMetrics(metrics);
            var telnyx = new TelnyxTelephonyProvider(TelnyxTelephonyProvider.Settings.of(config.carriers().telnyxApi(), publicBase),
                    new TelnyxCallStore(database.jdbi(), phoneNumbers::routeFor), mediaStreams, json, clock);
            var recordings = RecordingStore.of(config.recordings(), database.jdbi(), config.dataDir().resolve("recordings"));
            var hours = new CallingHours(callingHoursClock, config.telephony().trunk().isPresent());
            Dialer dialer = config.telephony().dialerEnabled()
                    ? startDialer(config, database, transitions, workspaces, phoneNumbers, recordings, credentials, urls, metrics, json,
                            twilioCallbacks, mediaStreams, telnyx, hours)
                    : null;
            Runnable accepted = () -> {
                webhooks.wake();
                if (dialer != null) {
                    dialer.wake();
                }
            };
            var calls = new CallService(callStore,
                    new CallInserts(database.dataSource(), 2, credentials.nodeKeyProviders(), hours, metrics, accepted), urls, json);
            var webCalls = new WebCalls(calls, database.jdbi(), config.telephony().webJoin(), config.carriers().publicUrl(), clock);
            var hangups = new Hangups(database.jdbi(), transitions, dialer == null ? () -> { } : dialer::wake);
            var keyUsage = new KeyUsage(database.jdbi(), clock); // last here: closed by the catch below
            var sessions = new DashboardSessions(database.jdbi(), tenancy, clock);
            var services = new ApiServer.Services(
                    new Authenticator(tenancy, keyUsage, clock, sessions),
                    new AssistantService(assistantStore, urls, new BaseUrlPolicy(config.providers()), clock),
                    calls, hangups, workspaces, phoneNumbers, deliveries,
                    new Workspaces(database.jdbi()), new ApiKeyService(database.jdbi(), keyUsage, clock),
                    database, metrics, json, recordings, credentials, new DoNotCall(database.jdbi()),
                    config.telephony().sipHost(), config.telephony().sipPort(), twilioCallbacks, telnyx, sessions, webCalls);
            try {
                ApiServer api = ApiServer.start(config.http(), services, mediaStreams);
                listening.set(URI.create("http://" + reachable(config.http().host()) + ":" + api.port()));
                return new ParleyApp(database, webhooks, calls, transitions, dialer, api, keyUsage, gc, credentials, mediaStreams);
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
                                      ProviderKeys providerKeys, WebhookUrlPolicy urls, MeterRegistry metrics,
                                      ObjectMapper json, TwilioCallbacks twilioCallbacks, MediaStreams streams,
                                      TelnyxTelephonyProvider telnyx, CallingHours hours) {
        ParleyConfig.Telephony t = config.telephony();
        var ua = new SipUserAgent(new SipUserAgent.Settings(t.sipHost(), t.sipPort(), t.externalHost(), "Parley/0.1"));
        var sandbox = new SandboxRegistrations(database.jdbi());
        if (t.trunk().isEmpty()) {
            ua.enableSandbox(sandbox, workspaces::sandboxPasswords);
        }
        InetAddress rtpHost;
        try {
            rtpHost = InetAddress.getByName(t.sipHost());
        } catch (UnknownHostException e) {
            throw new ConfigException("sip.listen host '" + t.sipHost() + "' does not resolve");
        }
        var sip = new SipTelephonyProvider(ua, t.sipHost(), t.trunk(), sandbox,
                new RtpPorts(rtpHost, t.rtpFirst(), t.rtpLast()), phoneNumbers::trunkFor);
        sip.bindMetrics(metrics);
        var provider = new RoutingTelephonyProvider(phoneNumbers::routeFor, sip,
                new TwilioTelephonyProvider(twilioCallbacks, streams, config.carriers().twilioQuiet(), config.carriers().twilioTimeout(),
                        InstantSource.system()),
                telnyx, new WebTelephonyProvider(streams));
        var network = new Conversations.Network(new Endpoints(providerKeys, new BaseUrlPolicy(config.providers())),
                new ToolCaller(workspaces::signingSecrets, urls::refusalAtDelivery, InstantSource.system()), Options.DEFAULT);
        var conversations = conversations(config.speech(), database, json, metrics, network);
        var transcripts = new TranscriptStore(database.jdbi());
        var analyst = new CallAnalyst(new AssistantStore(database.jdbi(), json), transcripts, network.endpoints(), CallAnalyst.LIMIT);
        return new Dialer(new DialQueue(database.jdbi(), hours), transitions, provider,
                new Dialer.ConversationFactory() {
                    @Override
                    public Conversation open(DialQueue.Job job, Conversation.Line line) {
                        return conversations.open(job.callId(), job.workspaceId(), job.assistantId(), job.variables(),
                                job.workspaceOptOut(), job.channel(), line);
                    }

                    @Override
                    public void close() {
                        conversations.close();
                    }
                },
                transcripts,
                recordings,
                analyst,
                new Dialer.Settings(t.maxCalls(), t.ringTimeout(), t.lease()), metrics);
    }

    /**
     * The offline speech engines, made once per node: voices at once, recognizers on background
     * threads (a second or two each), primed with a few seconds of the voice's speech.
     */
    private static Conversations conversations(ParleyConfig.Speech speech, Database database, ObjectMapper json,
                                               MeterRegistry metrics, Conversations.Network network) {
        var voices = new FreeTtsVoices(speech.voices());
        short[] primer;
        try {
            primer = voices.pcm("Hello, this is Parley. Thank you for taking my call. Can you hear me well? Goodbye.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        }
        var pool = new RecognizerPool(speech.recognizers(), primer);
        Gauge.builder("parley.speech.recognizers", pool, p -> p.free())
                .tag("state", "free").register(metrics);
        Gauge.builder("parley.speech.recognizers", pool, p -> p.inUse())
                .tag("state", "in_use").register(metrics);
        FunctionCounter.builder("parley.speech.recognizer.waits.timed_out", pool,
                p -> p.timedOutBorrows()).description("Utterances that found no recognizer free in time").register(metrics);
        var bargeIn = Timer.builder("parley.conversation.barge_in")
                .description("Caller speech onset to the assistant's audio stopping").publishPercentileHistogram().register(metrics);
        var platform = Timer.builder("parley.conversation.platform_latency")
                .description("Parley's own share of a turn's response time").publishPercentileHistogram().register(metrics);
        var total = Timer.builder("parley.conversation.response_latency")
                .description("The caller's last word (or the answer) to the assistant's first audio").publishPercentileHistogram()
                .register(metrics);
        var observer = new Conversation.Observer() {
            @Override
            public void bargeIn(long stopMillis) {
                bargeIn.record(Duration.ofMillis(stopMillis));
            }

            @Override
            public void turn(TurnLatency l) {
                platform.record(Duration.ofMillis(l.platformMs()));
                total.record(Duration.ofMillis(l.totalMs()));
            }
        };
        return new Conversations(new AssistantStore(database.jdbi(), json), json,
                new SphinxSpeechToText(pool, speech.recognizerWait()), voices, observer, pool, network);
    }

    public int port() {
        return api.port();
    }

    /** Status changes after acceptance: what the dialer and the conversation drive. */
    /** Carriers' media streams: providers expect a call's stream here; tests attach fake carriers. */
    public CarrierStreams mediaStreams() {
        return mediaStreams;
    }

    /** The host a browser or client on this machine reaches a node listening on {@code listenHost} at. */
    public static String reachable(String listenHost) {
        return switch (listenHost) {
            case "0.0.0.0", "::", "" -> "127.0.0.1";
            default -> listenHost.contains(":") ? "[" + listenHost + "]" : listenHost;
        };
    }

    public CallTransitions transitions() {
        return transitions;
    }

    /** The keys calls reach network providers with: the workspace's, else this node's. */
    public ProviderKeys providerKeys() {
        return providerKeys;
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
