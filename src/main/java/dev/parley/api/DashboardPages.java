package dev.parley.api;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The dashboard's files: a page and its scripts and styles kept in the repository under
 * {@code src/main/resources/dashboard}, served as they are (no build step a Java user must install).
 * The page talks to the API like any client, with the session cookie instead of a key.
 */
final class DashboardPages {
    static final String ROOT = "/";
    static final String ASSETS = "/ui/{file}";
    private static final Pattern FILE = Pattern.compile("[a-z0-9-]+\\.(js|css|svg|html|wav)");
    private static final Map<String, String> TYPES = Map.of(
            "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "svg", "image/svg+xml",
            "html", "text/html; charset=utf-8", "wav", "audio/wav");
    /**
     * Only our own files run, audio comes from our own API (as blobs), the WebSocket goes back to this
     * server, and no other site may frame the page (clickjacking of the hang-up button).
     */
    private static final String POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " media-src 'self' blob:; connect-src 'self'; worker-src 'self'; frame-ancestors 'none'; base-uri 'none';"
            + " form-action 'self'; object-src 'none'";

    private record Asset(byte[] bytes, String type, String etag) {}

    private final Map<String, Asset> cache = new java.util.concurrent.ConcurrentHashMap<>();

    void index(Context ctx) {
        serve(ctx, "index.html");
    }

    void asset(Context ctx) {
        String file = ctx.pathParam("file");
        if (!FILE.matcher(file).matches() || file.equals("index.html")) {
            throw new io.javalin.http.NotFoundResponse();
        }
        serve(ctx, file);
    }

    private void serve(Context ctx, String file) {
        Asset asset = load(file).orElseThrow(io.javalin.http.NotFoundResponse::new);
        ctx.header("Content-Security-Policy", POLICY);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("X-Frame-Options", "DENY");
        // Revalidated every time: a new version of Parley must never run with an old script.
        ctx.header("Cache-Control", "no-cache");
        ctx.header("ETag", asset.etag());
        if (asset.etag().equals(ctx.header("If-None-Match"))) {
            ctx.status(304);
            return;
        }
        ctx.contentType(asset.type());
        ctx.result(asset.bytes());
    }

    private Optional<Asset> load(String file) {
        Asset cached = cache.get(file);
        if (cached != null) {
            return Optional.of(cached);
        }
        try (InputStream in = DashboardPages.class.getResourceAsStream("/dashboard/" + file)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] bytes = in.readAllBytes();
            String ext = file.substring(file.lastIndexOf('.') + 1);
            Asset asset = new Asset(bytes, TYPES.get(ext), "\"" + HexFormat.of().formatHex(sha256(bytes), 0, 8) + "\"");
            cache.put(file, asset);
            return Optional.of(asset);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
