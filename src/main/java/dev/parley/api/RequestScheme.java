package dev.parley.api;

import io.javalin.http.Context;

/**
 * Whether a request came over https: the one rule for the session cookie's {@code Secure} flag and a
 * web call's {@code wss://} address. Behind a TLS-terminating proxy the request itself is plain http;
 * the proxy says what the client used in {@code X-Forwarded-Proto}, whose first value is the
 * client's when several proxies each appended theirs. A client that sends the header itself gains
 * nothing: it only gets a stricter cookie or a {@code wss://} address it cannot use.
 */
final class RequestScheme {
    private RequestScheme() {
    }

    static boolean https(Context ctx) {
        if ("https".equalsIgnoreCase(ctx.scheme())) {
            return true;
        }
        String forwarded = ctx.header("X-Forwarded-Proto");
        if (forwarded == null) {
            return false;
        }
        int comma = forwarded.indexOf(',');
        return "https".equalsIgnoreCase((comma < 0 ? forwarded : forwarded.substring(0, comma)).strip());
    }
}
