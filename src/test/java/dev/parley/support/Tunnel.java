package dev.parley.support;

import java.net.URI;

/**
 * What a tunnel does for carrier tests: a request a carrier addresses to {@code public.url}
 * ({@code https://parley.example.test/...}) arrives at Parley's local port, path and query intact,
 * while the carrier signs the public address it was given.
 */
public final class Tunnel {
    private Tunnel() {}

    /** {@code https}/{@code wss} become {@code http}/{@code ws} on 127.0.0.1:{@code port}. */
    public static URI local(URI publicUri, int port) {
        String scheme = switch (publicUri.getScheme()) {
            case "https" -> "http";
            case "wss" -> "ws";
            default -> publicUri.getScheme();
        };
        return URI.create(scheme + "://127.0.0.1:" + port + publicUri.getRawPath()
                + (publicUri.getRawQuery() == null ? "" : "?" + publicUri.getRawQuery()));
    }
}
