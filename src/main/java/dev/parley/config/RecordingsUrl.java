package dev.parley.config;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code recordings.url} and the S3 keys into {@link ParleyConfig.Recordings}. Parsed by hand
 * rather than by {@link URI}: bucket names may hold characters a host name may not, and the
 * endpoint sits unencoded in the query ({@code ?endpoint=http://127.0.0.1:9000}). Messages never
 * repeat a value that could be a secret.
 */
final class RecordingsUrl {
    private static final String EXAMPLE = "s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1";
    private static final Set<String> PARAMETERS = Set.of("endpoint", "region");

    private RecordingsUrl() {}

    static ParleyConfig.Recordings parse(String url, String accessKey, String secretKey) {
        String raw = url.strip();
        if (raw.isEmpty()) {
            String stray = !accessKey.isBlank() ? ConfigLoader.RECORDINGS_S3_ACCESS_KEY
                    : !secretKey.isBlank() ? ConfigLoader.RECORDINGS_S3_SECRET_KEY : null;
            if (stray != null) {
                throw new ConfigException(stray + " is set, but " + ConfigLoader.RECORDINGS_URL + " is empty, so recordings"
                        + " are kept in PostgreSQL: set " + ConfigLoader.RECORDINGS_URL + " to " + EXAMPLE + " or remove " + stray);
            }
            return new ParleyConfig.Recordings.InDatabase();
        }
        if (!raw.startsWith("s3://")) {
            int scheme = raw.indexOf("://");
            throw new ConfigException(ConfigLoader.RECORDINGS_URL + " must look like " + EXAMPLE + ", or be empty to keep"
                    + " recordings in PostgreSQL; got " + (scheme < 0 ? "no scheme" : "a value starting with '"
                    + raw.substring(0, scheme + 3) + "'"));
        }
        String rest = raw.substring("s3://".length());
        int q = rest.indexOf('?');
        String query = q < 0 ? "" : rest.substring(q + 1);
        String location = q < 0 ? rest : rest.substring(0, q);
        int slash = location.indexOf('/');
        String bucket = slash < 0 ? location : location.substring(0, slash);
        String prefix = slash < 0 ? "" : location.substring(slash + 1).replaceAll("^/+|/+$", "");
        if (bucket.contains("@")) {
            throw new ConfigException(ConfigLoader.RECORDINGS_URL + " must not carry credentials: put them in "
                    + ConfigLoader.RECORDINGS_S3_ACCESS_KEY + " and " + ConfigLoader.RECORDINGS_S3_SECRET_KEY);
        }
        if (bucket.isEmpty()) {
            throw new ConfigException(ConfigLoader.RECORDINGS_URL + " has no bucket: name it after s3://, as in " + EXAMPLE);
        }
        if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new ConfigException(ConfigLoader.RECORDINGS_URL + " names the bucket '" + bucket + "', which is not an S3"
                    + " bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit");
        }
        if (prefix.contains("//") || ("/" + prefix + "/").contains("/../") || ("/" + prefix + "/").contains("/./")) {
            throw new ConfigException(ConfigLoader.RECORDINGS_URL + " has the key prefix '" + prefix + "': drop empty, '.'"
                    + " and '..' segments");
        }
        Map<String, String> params = parameters(query);
        String region = params.getOrDefault("region", "us-east-1");
        if (!region.matches("[a-z0-9-]{1,64}")) {
            throw new ConfigException(ConfigLoader.RECORDINGS_URL + " has region '" + region + "': give the bucket's region,"
                    + " e.g. region=us-east-1 (MinIO's default)");
        }
        URI endpoint = endpoint(params.getOrDefault("endpoint", "https://s3." + region + ".amazonaws.com"));
        if (accessKey.isBlank()) {
            throw new ConfigException(ConfigLoader.RECORDINGS_S3_ACCESS_KEY + " is empty, but " + ConfigLoader.RECORDINGS_URL
                    + " names an S3 bucket: give the access key id (or PARLEY_RECORDINGS_S3_ACCESS_KEY)");
        }
        if (secretKey.isBlank()) {
            throw new ConfigException(ConfigLoader.RECORDINGS_S3_SECRET_KEY + " is empty, but " + ConfigLoader.RECORDINGS_URL
                    + " names an S3 bucket: give the secret access key (or PARLEY_RECORDINGS_S3_SECRET_KEY)");
        }
        return new ParleyConfig.Recordings.S3(endpoint, region, bucket, prefix, accessKey.strip(), secretKey.strip());
    }

    private static Map<String, String> parameters(String query) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            if (!PARAMETERS.contains(name)) {
                // The value is not repeated: a secret key pasted into the URL must not reach the logs.
                throw new ConfigException(ConfigLoader.RECORDINGS_URL + " has an unknown parameter '" + name + "'; known: "
                        + String.join(", ", new java.util.TreeSet<>(PARAMETERS)) + " (credentials go in "
                        + ConfigLoader.RECORDINGS_S3_ACCESS_KEY + " and " + ConfigLoader.RECORDINGS_S3_SECRET_KEY + ")");
            }
            out.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8).strip());
        }
        return out;
    }

    private static URI endpoint(String value) {
        URI uri;
        try {
            uri = URI.create(value);
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                || uri.getRawUserInfo() != null || uri.getRawQuery() != null
                || !(uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))) {
            throw new ConfigException(ConfigLoader.RECORDINGS_URL + " has endpoint '" + value + "': give the S3 API's"
                    + " scheme, host and port only, e.g. endpoint=http://127.0.0.1:9000");
        }
        return URI.create(uri.getScheme() + "://" + uri.getRawAuthority());
    }
}
