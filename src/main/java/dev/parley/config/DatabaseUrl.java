package dev.parley.config;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * A PostgreSQL server address as users write it: {@code postgresql://user:pass@host:5432/db} (the
 * libpq form) or a JDBC URL. The password is kept apart so that {@link #toString()} never shows it.
 */
public record DatabaseUrl(String jdbcUrl, String user, String password) {

    public static DatabaseUrl parse(String key, String raw) {
        String value = raw.strip();
        if (value.startsWith("jdbc:postgresql:")) {
            return new DatabaseUrl(value, null, null);
        }
        if (!value.startsWith("postgresql://") && !value.startsWith("postgres://")) {
            throw new ConfigException(key + " must look like postgresql://user:password@host:5432/database"
                    + " (or jdbc:postgresql://...); got a value starting with '" + safePrefix(value) + "'");
        }
        URI uri;
        try {
            uri = URI.create(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + " is not a valid URL: percent-encode special characters in the"
                    + " user name and password (for example @ as %40)");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw new ConfigException(key + " has no host: write postgresql://user:password@host:5432/database");
        }
        String database = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        if (database.isBlank()) {
            throw new ConfigException(key + " has no database name: add it after the port, as in .../parley");
        }
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = decode(parts[0]);
            password = parts.length > 1 ? decode(parts[1]) : null;
        }
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        return new DatabaseUrl("jdbc:postgresql://" + uri.getHost() + ":" + port + "/" + database + query, user, password);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String safePrefix(String value) {
        int cut = value.indexOf("://");
        return cut < 0 ? (value.length() > 12 ? value.substring(0, 12) : value) : value.substring(0, cut + 3);
    }

    @Override
    public String toString() {
        return "DatabaseUrl[" + jdbcUrl.replaceAll("password=[^&]*", "password=***") + ", user=" + user + "]";
    }
}
