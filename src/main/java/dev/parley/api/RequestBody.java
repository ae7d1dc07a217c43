package dev.parley.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.config.ParleyConfig;
import dev.parley.error.Problem;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;

/** Reads a JSON request body: media type, size, syntax and storable text checked, in that order. */
final class RequestBody {
    private static final int LIMIT = ParleyConfig.Http.MAX_BODY_BYTES;

    private RequestBody() {}

    static JsonNode json(Context ctx, ObjectMapper json) {
        checkMediaType(ctx.header("Content-Type"));
        long declared = ctx.req().getContentLengthLong();
        if (declared > LIMIT) {
            throw tooLarge();
        }
        byte[] bytes = readAtMost(ctx, LIMIT + 1);
        if (bytes.length > LIMIT) {
            throw tooLarge();
        }
        if (bytes.length == 0) {
            throw new Problem(Problem.Kind.INVALID, "malformed_json", "The request body is empty; send a JSON object");
        }
        JsonNode tree;
        try {
            tree = json.readTree(bytes);
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new Problem(Problem.Kind.INVALID, "malformed_json", "The request body is not valid JSON" + where
                    + ": " + e.getOriginalMessage().lines().findFirst().orElse("syntax error"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        BodyText.check(tree);
        return tree;
    }

    static void checkMediaType(String contentType) {
        String type = contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!type.equals("application/json")) {
            throw new Problem(Problem.Kind.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                    "Send the body as JSON with the header 'Content-Type: application/json'"
                            + (type.isEmpty() ? "" : " (got '" + (type.length() > 60 ? type.substring(0, 60) : type) + "')"));
        }
    }

    /**
     * Reads and drops a body the handler did not read (say, after a 401), up to the size limit, so
     * the keep-alive connection stays usable instead of being closed under the client.
     */
    static void drain(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        if (declared <= 0 || declared > LIMIT) {
            return;
        }
        try {
            ctx.req().getInputStream().skip(declared);
        } catch (IOException | IllegalStateException e) {
            // the body was consumed already, or the client went away: nothing to keep alive
        }
    }

    private static byte[] readAtMost(Context ctx, int max) {
        try (InputStream in = ctx.bodyInputStream()) {
            return in.readNBytes(max);
        } catch (IOException e) {
            throw new Problem(Problem.Kind.INVALID, "malformed_body", "The request body could not be read completely");
        }
    }

    private static Problem tooLarge() {
        return new Problem(Problem.Kind.PAYLOAD_TOO_LARGE, "payload_too_large",
                "The request body is larger than " + (LIMIT / 1024) + " KiB; send less data");
    }
}
