package dev.parley.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.error.Problem;
import dev.parley.safeguards.DoNotCall;
import dev.parley.store.Page;
import dev.parley.tenancy.Tenant;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** The workspace's do-not-call list: add (JSON or a CSV file), list, remove. */
final class DncRoutes {
    /** A CSV of 200,000 E.164 numbers with a second column fits. */
    static final int CSV_LIMIT = 8 * 1024 * 1024;

    private final DoNotCall list;
    private final Envelope envelope;
    private final ObjectMapper json;

    DncRoutes(DoNotCall list, Envelope envelope, ObjectMapper json) {
        this.list = list;
        this.envelope = envelope;
        this.json = json;
    }

    void add(Context ctx, Tenant tenant) {
        String type = ctx.header("Content-Type") == null ? ""
                : ctx.header("Content-Type").split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        DoNotCall.Added added = type.equals("text/csv")
                ? list.importCsv(tenant.workspaceId(), csv(ctx))
                : list.addJson(tenant.workspaceId(), RequestBody.json(ctx, json));
        ObjectNode data = json.createObjectNode();
        data.put("numbers", added.numbers());
        data.put("added", added.added());
        envelope.ok(ctx, added.added() + " number(s) added to the do-not-call list; "
                + (added.numbers() - added.added()) + " were on it already or repeated", data);
    }

    void list(Context ctx, Tenant tenant) {
        Page<DoNotCall.Entry> page = list.list(tenant.workspaceId(), Page.limit(ctx.queryParam("limit")), ctx.queryParam("cursor"));
        ObjectNode data = json.createObjectNode();
        ArrayNode items = data.putArray("items");
        for (DoNotCall.Entry e : page.items()) {
            items.addObject().put("number", e.number()).put("source", e.source()).put("call_id", e.callId())
                    .put("created_at", e.createdAt().toString());
        }
        data.put("has_more", page.nextCursor() != null);
        data.put("next_cursor", page.nextCursor());
        envelope.ok(ctx, "Do-not-call list fetched successfully", data);
    }

    void remove(Context ctx, Tenant tenant) {
        String number = number(ctx.pathParam("number"));
        if (!list.remove(tenant.workspaceId(), number)) {
            throw Problem.notFound("number_not_listed", number + " is not on this workspace's do-not-call list;"
                    + " GET /v1/admin/dnc lists it");
        }
        ObjectNode data = json.createObjectNode();
        data.put("number", number);
        envelope.ok(ctx, number + " removed from the do-not-call list; it can be called again", data);
    }

    /** The path's number: a {@code +} may arrive as a space (form-decoded) or be left out. */
    private static String number(String raw) {
        String s = raw == null ? "" : raw.strip();
        return s.matches("[0-9]+") ? "+" + s : s;
    }

    private static String csv(Context ctx) {
        if (ctx.req().getContentLengthLong() > CSV_LIMIT) {
            throw tooLarge();
        }
        byte[] bytes;
        try (InputStream in = ctx.bodyInputStream()) {
            bytes = in.readNBytes(CSV_LIMIT + 1);
        } catch (IOException e) {
            throw new Problem(Problem.Kind.INVALID, "malformed_body", "The request body could not be read completely");
        }
        if (bytes.length > CSV_LIMIT) {
            throw tooLarge();
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static Problem tooLarge() {
        return new Problem(Problem.Kind.PAYLOAD_TOO_LARGE, "payload_too_large", "The CSV file is larger than "
                + CSV_LIMIT / (1024 * 1024) + " MiB; split it and send the parts");
    }
}
