package dev.parley.api;

import dev.parley.safeguards.DoNotCall;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.assistant.AssistantService;
import dev.parley.call.CallService;
import dev.parley.call.WebCalls;
import dev.parley.config.ParleyConfig;
import dev.parley.credentials.ProviderCredentials;
import dev.parley.dialer.Hangups;
import dev.parley.dialer.QueuePlaces;
import dev.parley.error.Problem;
import dev.parley.error.StorableText;
import dev.parley.number.PhoneNumberService;
import dev.parley.number.SandboxRegistrations;
import dev.parley.recording.RecordingStore;
import dev.parley.store.Database;
import dev.parley.store.DatabaseException;
import dev.parley.telephony.stream.CarrierStreams;
import dev.parley.telephony.telnyx.TelnyxWebhooks;
import dev.parley.telephony.twilio.TwilioCallbacks;
import dev.parley.tenancy.ApiKeyService;
import dev.parley.tenancy.AuthException;
import dev.parley.tenancy.Authenticator;
import dev.parley.tenancy.DashboardSessions;
import dev.parley.tenancy.Tenant;
import dev.parley.tenancy.WorkspaceService;
import dev.parley.tenancy.Workspaces;
import dev.parley.webhook.WebhookStore;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API: one route table ({@link #routes}), one authentication step, one error envelope.
 * {@code serve} and the tests both start it through {@link #start}, so tests run the production wiring.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    private static final int ACCEPT_BACKLOG = 1024;

    /** What the routes need; built once by the application. */
    public record Services(Authenticator authenticator, AssistantService assistants, CallService calls,
                           Hangups hangups, WorkspaceService workspaces, PhoneNumberService phoneNumbers, WebhookStore deliveries,
                           Workspaces workspaceAdmin, ApiKeyService apiKeys,
                           Database database, PrometheusMeterRegistry metrics, ObjectMapper json,
                           RecordingStore recordings, ProviderCredentials credentials, DoNotCall doNotCall,
                           String sipHost, int sipPort, TwilioCallbacks twilioCallbacks, TelnyxWebhooks telnyx,
                           DashboardSessions sessions, WebCalls webCalls) {}

    private final Javalin javalin;

    private ApiServer(Javalin javalin) {
        this.javalin = javalin;
    }

    /** @param streams carriers' media streams, served as WebSockets; null on a node that places no carrier calls */
    public static ApiServer start(ParleyConfig.Http http, Services services, CarrierStreams streams) {
        Envelope envelope = new Envelope(services.json());
        HttpMetrics metrics = new HttpMetrics(services.metrics());
        List<Route> routes = routes(services, envelope);
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.concurrency.useVirtualThreads = true;
            config.http.prefer405over404 = true;
            config.http.maxRequestSize = ParleyConfig.Http.MAX_BODY_BYTES;
            config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            // Our own connector for its accept backlog: the JDK default of 50 drops connections when
            // hundreds of clients connect at once (seen with 200 concurrent creates).
            config.jetty.addConnector((server, httpConfig) -> {
                ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
                connector.setHost(http.host());
                connector.setPort(http.port());
                connector.setAcceptQueueSize(ACCEPT_BACKLOG);
                return connector;
            });
            for (Route r : routes) {
                config.routes.addHttpHandler(r.method(), r.path(), wrap(r, services.authenticator(), envelope, metrics));
            }
            DashboardPages pages = new DashboardPages();
            config.routes.get(DashboardPages.ROOT, pages::index);
            config.routes.get(DashboardPages.ASSETS, pages::asset);
            if (streams != null) {
                StreamRoutes streamRoutes = new StreamRoutes(streams);
                config.routes.ws(CarrierStreams.PATH, streamRoutes::configure);
                config.routes.ws(CarrierStreams.BROWSER_PATH, streamRoutes::configureBrowser);
            }
            config.routes.exception(HttpResponseException.class, (e, ctx) -> frameworkError(ctx, e, envelope, metrics));
            config.routes.error(404, ctx -> {
                if (!isEnvelope(ctx)) {
                    notFound(ctx, envelope, metrics);
                }
            });
        });
        app.start();
        return new ApiServer(app);
    }

    public int port() {
        return javalin.port();
    }

    @Override
    public void close() {
        javalin.stop();
    }

    /** Every route of the API. The OpenAPI document lists exactly these (a test checks it). */
    static List<Route> routes(Services s, Envelope envelope) {
        Views views = new Views(s.json());
        var assistants = new AssistantRoutes(s.assistants(), envelope, views, s.json());
        var calls = new CallRoutes(s.calls(), s.hangups(), s.recordings(), envelope, views, s.json(),
                (workspaceId, callIds) -> new QueuePlaces(s.database().jdbi()).of(workspaceId, callIds));
        var system = new SystemRoutes(s.database(), s.metrics(), envelope);
        var numbers = new PhoneNumberRoutes(s.phoneNumbers(), envelope, s.json());
        var workspace = new WorkspaceRoutes(s.workspaces(), s.deliveries(),
                workspaceId -> new SandboxRegistrations(s.database().jdbi()).registered(workspaceId), envelope, s.json(), s.sipHost(), s.sipPort());
        var tenancy = new TenancyRoutes(s.workspaceAdmin(), s.apiKeys(), envelope, s.json());
        var credentials = new CredentialRoutes(s.credentials(), envelope, s.json());
        var dnc = new DncRoutes(s.doNotCall(), envelope, s.json());
        var carriers = new CarrierRoutes(s.twilioCallbacks(), s.telnyx(), envelope, s.json());
        var dashboard = new DashboardRoutes(s.authenticator(), s.sessions(), envelope, s.json());
        var webCalls = new WebCallRoutes(s.webCalls(), envelope, s.json());
        return List.of(
                open(HandlerType.GET, "/healthz", system::health),
                open(HandlerType.GET, "/readyz", system::ready),
                open(HandlerType.GET, "/metrics", system::metrics),
                open(HandlerType.GET, "/v1/openapi.json", system::openApi),
                // Carriers' own requests: no API key, the carrier's signature instead.
                open(HandlerType.POST, "/v1/carriers/twilio/calls/{call_id}/status", carriers::twilioStatus),
                open(HandlerType.POST, "/v1/carriers/twilio/calls/{call_id}/amd", carriers::twilioAmd),
                open(HandlerType.GET, CarrierStreams.PATH, ctx -> StreamRoutes.upgradeRequired(ctx, envelope)),
                open(HandlerType.POST, "/v1/carriers/telnyx/calls/{call_id}/events", carriers::telnyxEvent),
                // A web call's browser: its token is checked on the socket, not an API key.
                open(HandlerType.GET, CarrierStreams.BROWSER_PATH, ctx -> StreamRoutes.browserUpgradeRequired(ctx, envelope)),
                // The dashboard's sign-in: an API key in the body, then the session cookie.
                open(HandlerType.POST, "/v1/dashboard/session", dashboard::signIn),
                open(HandlerType.GET, "/v1/dashboard/session", dashboard::current),
                open(HandlerType.DELETE, "/v1/dashboard/session", dashboard::signOut),
                new Route(HandlerType.POST, "/v1/admin/assistant/call", Route.Access.KEY_CHECKED_BY_WRITE, calls::create),
                new Route(HandlerType.POST, "/v1/admin/assistant/web-call", Route.Access.KEY_CHECKED_BY_WRITE, webCalls::create),
                authed(HandlerType.GET, "/v1/admin/assistant/calls", calls::list),
                authed(HandlerType.GET, "/v1/admin/assistant/call/{call_id}", calls::get),
                authed(HandlerType.POST, "/v1/admin/assistant/call/{call_id}/hangup", calls::hangup),
                authed(HandlerType.GET, "/v1/admin/assistant/call/{call_id}/recording", calls::recording),
                authed(HandlerType.POST, "/v1/admin/assistant", assistants::create),
                authed(HandlerType.GET, "/v1/admin/assistant", assistants::list),
                authed(HandlerType.GET, "/v1/admin/assistant/{id}", assistants::get),
                authed(HandlerType.PATCH, "/v1/admin/assistant/{id}", assistants::patch),
                authed(HandlerType.DELETE, "/v1/admin/assistant/{id}", assistants::delete),
                authed(HandlerType.GET, "/v1/admin/workspace", workspace::get),
                authed(HandlerType.PATCH, "/v1/admin/workspace", workspace::patch),
                authed(HandlerType.POST, "/v1/admin/workspace/webhook-secret/rotate", workspace::rotateSecret),
                authed(HandlerType.GET, "/v1/admin/sandbox", workspace::sandbox),
                authed(HandlerType.POST, "/v1/admin/phone-number", numbers::create),
                authed(HandlerType.GET, "/v1/admin/phone-number", numbers::list),
                authed(HandlerType.DELETE, "/v1/admin/phone-number/{id}", numbers::delete),
                authed(HandlerType.POST, "/v1/admin/workspaces", tenancy::createWorkspace),
                authed(HandlerType.GET, "/v1/admin/workspaces", tenancy::listWorkspaces),
                authed(HandlerType.PATCH, "/v1/admin/workspaces/{id}", tenancy::renameWorkspace),
                authed(HandlerType.DELETE, "/v1/admin/workspaces/{id}", tenancy::deleteWorkspace),
                authed(HandlerType.POST, "/v1/admin/api-keys", tenancy::createKey),
                authed(HandlerType.GET, "/v1/admin/api-keys", tenancy::listKeys),
                authed(HandlerType.DELETE, "/v1/admin/api-keys/{id}", tenancy::revokeKey),
                authed(HandlerType.GET, "/v1/admin/credentials", credentials::list),
                authed(HandlerType.PUT, "/v1/admin/credentials/{provider}", credentials::put),
                authed(HandlerType.DELETE, "/v1/admin/credentials/{provider}", credentials::delete),
                authed(HandlerType.POST, "/v1/admin/dnc", dnc::add),
                authed(HandlerType.GET, "/v1/admin/dnc", dnc::list),
                authed(HandlerType.DELETE, "/v1/admin/dnc/{number}", dnc::remove),
                authed(HandlerType.GET, "/v1/admin/webhook-deliveries", workspace::listDeliveries),
                authed(HandlerType.POST, "/v1/admin/webhook-deliveries/{id}/retry", workspace::retry));
    }

    private static Route open(HandlerType method, String path, io.javalin.http.Handler h) {
        return new Route(method, path, Route.Access.PUBLIC, (ctx, tenant) -> h.handle(ctx));
    }

    private static Route authed(HandlerType method, String path, TenantHandler h) {
        return new Route(method, path, Route.Access.KEY, h);
    }

    private static io.javalin.http.Handler wrap(Route r, Authenticator auth, Envelope envelope, HttpMetrics metrics) {
        String method = r.method().name();
        return ctx -> {
            long start = System.nanoTime();
            try {
                checkQueryAndPath(ctx);
                // The dashboard sends its session cookie and no Authorization header; a key always wins.
                String session = ctx.header("Authorization") == null ? ctx.cookie(DashboardRoutes.COOKIE) : null;
                Tenant tenant;
                if (r.access() == Route.Access.PUBLIC) {
                    tenant = null;
                } else if (session != null) {
                    tenant = auth.authenticateSession(session, ctx.header("workspace"), changes(ctx), ctx.header(DashboardRoutes.CSRF_HEADER));
                } else if (r.access() == Route.Access.KEY) {
                    tenant = auth.authenticate(ctx.header("Authorization"), ctx.header("organization"), ctx.header("workspace"));
                } else {
                    tenant = auth.authenticateForWrite(ctx.header("Authorization"), ctx.header("organization"), ctx.header("workspace"));
                }
                r.handler().handle(ctx, tenant);
            } catch (Problem p) {
                envelope.problem(ctx, p);
            } catch (AuthException e) {
                envelope.error(ctx, 401, "unauthorized", e.getMessage(), Map.of());
            } catch (Exception e) {
                unexpected(ctx, e, envelope);
            } finally {
                RequestBody.drain(ctx);
                metrics.record(method, r.path(), ctx.statusCode(), System.nanoTime() - start);
            }
        };
    }

    private static boolean changes(Context ctx) {
        return switch (ctx.method().name()) {
            case "GET", "HEAD", "OPTIONS" -> false;
            default -> true;
        };
    }

    /** Query and path values reach SQL in many handlers: none may carry text the database cannot store. */
    private static void checkQueryAndPath(Context ctx) {
        for (Map.Entry<String, List<String>> q : ctx.queryParamMap().entrySet()) {
            StorableText.check("a query parameter name", q.getKey());
            for (String v : q.getValue()) {
                StorableText.check(q.getKey(), v);
            }
        }
        ctx.pathParamMap().forEach(StorableText::check);
    }

    private static void unexpected(Context ctx, Exception e, Envelope envelope) {
        if (DatabaseException.isOutage(e)) { // nothing was accepted: with an Idempotency-Key a retry is always safe
            // No stack trace: during an outage every request lands here, and the cause says it all.
            log.warn("Database unavailable while serving {} {}: {}", ctx.method(), ctx.endpoint().path, rootMessage(e));
            envelope.error(ctx, 503, "database_unavailable",
                    "Parley cannot reach its database right now; retry shortly (GET /readyz shows when it is back)", Map.of());
            ctx.header("Retry-After", "5");
            return;
        }
        String reference = UUID.randomUUID().toString();
        log.error("Unexpected error serving {} {} (reference {})", ctx.method(), ctx.endpoint().path, reference, e);
        envelope.error(ctx, 500, "internal_error", "Parley failed to handle this request; this is a bug."
                + " It was logged with reference " + reference, Map.of("reference", reference));
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** Responses Javalin produces itself: unknown route, wrong method, body over the limit. */
    private static void frameworkError(Context ctx, HttpResponseException e, Envelope envelope, HttpMetrics metrics) {
        switch (e.getStatus()) {
            case 404 -> notFound(ctx, envelope, metrics);
            case 405 -> {
                envelope.error(ctx, 405, "method_not_allowed", ctx.method().name() + " is not allowed on " + ctx.path()
                        + "; see GET /v1/openapi.json for the methods each path takes", Map.of());
                metrics.record(ctx.method().name(), "unmatched", 405, 0);
            }
            case 413 -> envelope.error(ctx, 413, "payload_too_large", "The request body is larger than "
                    + ParleyConfig.Http.MAX_BODY_BYTES / 1024 + " KiB; send less data", Map.of());
            default -> envelope.error(ctx, e.getStatus(), "http_" + e.getStatus(), e.getMessage(), Map.of());
        }
    }

    private static void notFound(Context ctx, Envelope envelope, HttpMetrics metrics) {
        envelope.error(ctx, 404, "route_not_found", "No route " + ctx.method().name() + " " + ctx.path()
                + "; see GET /v1/openapi.json for the API", Map.of());
        metrics.record(ctx.method().name(), "unmatched", 404, 0);
    }

    private static boolean isEnvelope(Context ctx) {
        String ct = ctx.res().getContentType();
        return ct != null && ct.startsWith("application/json") && ctx.result() != null && ctx.result().startsWith("{\"success\"");
    }
}
