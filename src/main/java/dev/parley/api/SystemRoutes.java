package dev.parley.api;

import dev.parley.store.Database;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Liveness, readiness, metrics and the API's own description; no authentication. */
final class SystemRoutes {
    private static final byte[] OK = "{\"status\":\"ok\"}".getBytes(StandardCharsets.US_ASCII);
    private final Database database;
    private final PrometheusMeterRegistry metrics;
    private final Envelope envelope;
    private final byte[] openApi;

    SystemRoutes(Database database, PrometheusMeterRegistry metrics, Envelope envelope) {
        this.database = database;
        this.metrics = metrics;
        this.envelope = envelope;
        this.openApi = resource("/openapi.json");
    }

    void health(Context ctx) {
        ctx.contentType("application/json").result(OK);
    }

    void ready(Context ctx) {
        if (database.reachable()) {
            ctx.contentType("application/json").result("{\"status\":\"ready\",\"database\":\"ok\"}");
        } else {
            ctx.header("Retry-After", "5");
            envelope.error(ctx, 503, "not_ready", "The database is not reachable", Map.of());
        }
    }

    void metrics(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
    }

    void openApi(Context ctx) {
        ctx.contentType("application/json").result(openApi);
    }

    static byte[] resource(String name) {
        try (InputStream in = SystemRoutes.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the build");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
