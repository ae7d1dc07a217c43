package dev.parley.ai;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * Scheme, host and port of a URL: the unit a provider key is bound to. Paths are left out on
 * purpose: one server answers under any path, so a key for {@code https://h/v1} must not reach
 * the same host over {@code http} or on another port, and a different path changes nothing.
 */
public record Origin(String scheme, String host, int port) {

    /** Empty for a URL without a host or not over http(s). */
    public static Optional<Origin> of(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        String host = url.getHost();
        int defaultPort = switch (scheme) {
            case "https" -> 443;
            case "http" -> 80;
            default -> -1;
        };
        if (host == null || host.isEmpty() || defaultPort < 0) {
            return Optional.empty();
        }
        return Optional.of(new Origin(scheme, host.toLowerCase(Locale.ROOT), url.getPort() < 0 ? defaultPort : url.getPort()));
    }

    public static Optional<Origin> of(String url) {
        try {
            return of(new URI(url.strip()));
        } catch (java.net.URISyntaxException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return scheme + "://" + host + ":" + port;
    }
}
