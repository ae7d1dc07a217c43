package dev.parley.config;

import dev.parley.ai.KeyedProvider;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds {@link ParleyConfig} from, lowest to highest precedence: built-in defaults, a properties
 * file, {@code PARLEY_*} environment variables ({@code http.port} is {@code PARLEY_HTTP_PORT}), and
 * command-line options. Every value is checked here, once; a bad one stops the start with a message
 * naming the key and the fix. Nothing is silently clamped.
 */
public final class ConfigLoader {
    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);

    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";
    public static final String DATA_DIR = "data.dir";
    public static final String DATABASE_URL = "database.url";
    public static final String DATABASE_POOL_SIZE = "database.pool.size";
    public static final String WEBHOOK_ALLOWED_HOSTS = "webhook.allowed.hosts";
    public static final String WEBHOOK_TIMEOUT_MS = "webhook.timeout.ms";
    public static final String WEBHOOK_RETRY_INITIAL_MS = "webhook.retry.initial.ms";
    public static final String WEBHOOK_LEASE_MS = "webhook.lease.ms";
    public static final String WEBHOOK_CONCURRENCY = "webhook.concurrency";
    public static final String SECRETS_MASTER_KEY = "secrets.master.key";
    public static final String SIP_LISTEN = "sip.listen";
    public static final String SIP_TRUNK = "sip.trunk";
    public static final String SIP_EXTERNAL_ADDRESS = "sip.external.address";
    public static final String RTP_PORTS = "rtp.ports";
    public static final String DIALER_ENABLED = "dialer.enabled";
    public static final String DIALER_MAX_CALLS = "dialer.max.calls";
    public static final String DIALER_RING_TIMEOUT_SECONDS = "dialer.ring.timeout.seconds";
    public static final String DIALER_LEASE_MS = "dialer.lease.ms";
    public static final String WEBCALL_JOIN_SECONDS = "webcall.join.seconds";
    public static final String SPEECH_RECOGNIZERS = "speech.recognizers";
    public static final String SPEECH_RECOGNIZER_WAIT_MS = "speech.recognizer.wait.ms";
    public static final String SPEECH_VOICES = "speech.voices";
    public static final String RECORDINGS_URL = "recordings.url";
    public static final String RECORDINGS_S3_ACCESS_KEY = "recordings.s3.access.key";
    public static final String RECORDINGS_S3_SECRET_KEY = "recordings.s3.secret.key";
    public static final String PROVIDERS_ALLOWED_HOSTS = "providers.allowed.hosts";
    public static final String PUBLIC_URL = "public.url";
    public static final String TWILIO_API_URL = "twilio.api.url";
    public static final String TELNYX_API_URL = "telnyx.api.url";
    public static final String TWILIO_API_TIMEOUT_MS = "twilio.api.timeout.ms";
    public static final String TWILIO_RECONCILE_MS = "twilio.reconcile.ms";
    // and providers.<name>.api.key for each KeyedProvider (providers.openai.api.key, ...)

    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();
    static {
        DEFAULTS.put(HTTP_HOST, "127.0.0.1");
        DEFAULTS.put(HTTP_PORT, "8080");
        DEFAULTS.put(DATA_DIR, "./data");
        DEFAULTS.put(DATABASE_URL, "");
        DEFAULTS.put(DATABASE_POOL_SIZE, "16");
        DEFAULTS.put(WEBHOOK_ALLOWED_HOSTS, "");
        DEFAULTS.put(WEBHOOK_TIMEOUT_MS, "5000");
        DEFAULTS.put(WEBHOOK_RETRY_INITIAL_MS, "5000");
        DEFAULTS.put(WEBHOOK_LEASE_MS, "30000");
        DEFAULTS.put(WEBHOOK_CONCURRENCY, "64");
        DEFAULTS.put(SECRETS_MASTER_KEY, "");
        DEFAULTS.put(SIP_LISTEN, "127.0.0.1:5060");
        DEFAULTS.put(SIP_TRUNK, "");
        DEFAULTS.put(SIP_EXTERNAL_ADDRESS, "");
        DEFAULTS.put(RTP_PORTS, "16384-32767");
        DEFAULTS.put(DIALER_ENABLED, "true");
        DEFAULTS.put(DIALER_MAX_CALLS, "100");
        DEFAULTS.put(DIALER_RING_TIMEOUT_SECONDS, "30");
        DEFAULTS.put(DIALER_LEASE_MS, "15000");
        DEFAULTS.put(WEBCALL_JOIN_SECONDS, "120");
        DEFAULTS.put(SPEECH_RECOGNIZERS, "2");
        DEFAULTS.put(SPEECH_RECOGNIZER_WAIT_MS, "2000");
        DEFAULTS.put(SPEECH_VOICES, "1");
        DEFAULTS.put(RECORDINGS_URL, "");
        DEFAULTS.put(RECORDINGS_S3_ACCESS_KEY, "");
        DEFAULTS.put(RECORDINGS_S3_SECRET_KEY, "");
        DEFAULTS.put(PROVIDERS_ALLOWED_HOSTS, "");
        DEFAULTS.put(PUBLIC_URL, "");
        DEFAULTS.put(TWILIO_API_URL, "https://api.twilio.com");
        DEFAULTS.put(TELNYX_API_URL, "https://api.telnyx.com");
        DEFAULTS.put(TWILIO_API_TIMEOUT_MS, "10000");
        DEFAULTS.put(TWILIO_RECONCILE_MS, "30000");
        for (KeyedProvider p : KeyedProvider.values()) {
            DEFAULTS.put(p.configKey(), "");
        }
    }
    /** Environment variables the launcher itself uses; not settings. */
    private static final Set<String> LAUNCHER_VARIABLES = Set.of("PARLEY_JAVA_OPTS", "PARLEY_CONFIG");

    private ConfigLoader() {}

    public static ParleyConfig load(Optional<Path> file, Map<String, String> env, Map<String, String> overrides) {
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        file.ifPresent(f -> values.putAll(readFile(f)));
        values.putAll(fromEnvironment(env));
        overrides.forEach((k, v) -> {
            if (v != null) {
                values.put(k, v);
            }
        });
        return build(values);
    }

    /** Defaults plus the given values: what tests and tools use. */
    public static ParleyConfig of(Map<String, String> values) {
        return load(Optional.empty(), Map.of(), values);
    }

    private static Map<String, String> readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("config file " + file + " does not exist; create it or drop --config");
        }
        Properties props = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            props.load(r);
        } catch (IOException e) {
            throw new ConfigException("config file " + file + " cannot be read: " + e.getMessage());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : props.stringPropertyNames()) {
            if (!DEFAULTS.containsKey(key)) {
                throw new ConfigException("config file " + file + " has an unknown key '" + key
                        + "'; known keys: " + String.join(", ", new TreeSet<>(DEFAULTS.keySet())));
            }
            out.put(key, props.getProperty(key).strip());
        }
        return out;
    }

    private static Map<String, String> fromEnvironment(Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        env.forEach((name, value) -> {
            if (!name.startsWith("PARLEY_") || LAUNCHER_VARIABLES.contains(name)) {
                return;
            }
            String key = name.substring("PARLEY_".length()).toLowerCase(Locale.ROOT).replace('_', '.');
            if (DEFAULTS.containsKey(key)) {
                out.put(key, value);
            } else {
                log.warn("Ignoring environment variable {}: it names no setting", name);
            }
        });
        return out;
    }

    private static ParleyConfig build(Map<String, String> v) {
        String host = v.get(HTTP_HOST);
        if (host == null || host.isBlank()) {
            throw new ConfigException(HTTP_HOST + " is empty: give an address to listen on, e.g. 127.0.0.1 or 0.0.0.0");
        }
        int port = intIn(v, HTTP_PORT, 0, 65535, "a TCP port (0 picks a free one)");
        String dir = v.get(DATA_DIR);
        if (dir == null || dir.isBlank()) {
            throw new ConfigException(DATA_DIR + " is empty: give a directory for Parley's data, e.g. ./data");
        }
        int pool = intIn(v, DATABASE_POOL_SIZE, 2, 500, "the number of database connections");
        String url = v.get(DATABASE_URL);
        Optional<DatabaseUrl> dbUrl = url == null || url.isBlank()
                ? Optional.empty()
                : Optional.of(DatabaseUrl.parse(DATABASE_URL, url));
        return new ParleyConfig(new ParleyConfig.Http(host.strip(), port),
                new ParleyConfig.Database(dbUrl, pool), Path.of(dir.strip()).toAbsolutePath().normalize(),
                webhooks(v, dbUrl.isEmpty()), secrets(v), telephony(v),
                new ParleyConfig.Speech(intIn(v, SPEECH_RECOGNIZERS, 1, 64, "Sphinx4 recognizers (about 0.5 GB of heap each)"),
                        Duration.ofMillis(intIn(v, SPEECH_RECOGNIZER_WAIT_MS, 50, 30_000, "milliseconds")),
                        intIn(v, SPEECH_VOICES, 1, 16, "FreeTTS voices")),
                RecordingsUrl.parse(v.get(RECORDINGS_URL), v.get(RECORDINGS_S3_ACCESS_KEY), v.get(RECORDINGS_S3_SECRET_KEY)),
                providers(v, dbUrl.isEmpty()), carriers(v));
    }

    private static ParleyConfig.Carriers carriers(Map<String, String> v) {
        String pub = v.get(PUBLIC_URL).strip();
        Optional<URI> publicUrl = pub.isEmpty() ? Optional.empty() : Optional.of(httpsBase(PUBLIC_URL, pub,
                "the https:// address carriers reach this node at, e.g. https://parley.example.com or a tunnel's URL"));
        return new ParleyConfig.Carriers(publicUrl,
                httpsBase(TWILIO_API_URL, v.get(TWILIO_API_URL).strip(), "Twilio's REST API, https://api.twilio.com"),
                httpsBase(TELNYX_API_URL, v.get(TELNYX_API_URL).strip(), "Telnyx's REST API, https://api.telnyx.com"),
                Duration.ofMillis(intIn(v, TWILIO_API_TIMEOUT_MS, 100, 120_000, "milliseconds")),
                Duration.ofMillis(intIn(v, TWILIO_RECONCILE_MS, 200, 3_600_000, "milliseconds")));
    }

    /** An https:// base URL (plain http:// only to this machine, for tests and local fakes), without a trailing slash. */
    private static URI httpsBase(String key, String raw, String what) {
        URI uri;
        try {
            uri = new URI(raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw);
        } catch (URISyntaxException e) {
            throw new ConfigException(key + " is '" + raw + "', not a URL: give " + what);
        }
        String host = uri.getHost();
        boolean loopback = host != null && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]"));
        boolean schemeOk = "https".equals(uri.getScheme()) || ("http".equals(uri.getScheme()) && loopback);
        if (!schemeOk || host == null || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new ConfigException(key + " is '" + raw + "': give " + what + " (https, no query; plain http only to 127.0.0.1)");
        }
        return uri;
    }

    private static ParleyConfig.Providers providers(Map<String, String> v, boolean embedded) {
        Map<KeyedProvider, String> keys = new EnumMap<>(KeyedProvider.class);
        for (KeyedProvider p : KeyedProvider.values()) {
            String key = v.get(p.configKey()).strip();
            if (key.isEmpty()) {
                continue;
            }
            // Never quote the value: a start-up error is printed, and it would carry the key.
            KeyedProvider.whyNotAKey(key).ifPresent(why -> {
                throw new ConfigException(p.configKey() + " " + why);
            });
            keys.put(p, key);
        }
        return new ParleyConfig.Providers(embedded, hostList(v, PROVIDERS_ALLOWED_HOSTS), keys);
    }

    private static List<String> hostList(Map<String, String> v, String key) {
        return Arrays.stream(v.get(key).split(",")).map(String::strip).filter(h -> !h.isEmpty()).toList();
    }

    private static ParleyConfig.Telephony telephony(Map<String, String> v) {
        String listen = v.get(SIP_LISTEN).strip();
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw new ConfigException(SIP_LISTEN + " is '" + listen + "': give host:port, e.g. 127.0.0.1:5060");
        }
        int port = intIn(Map.of(SIP_LISTEN, listen.substring(colon + 1)), SIP_LISTEN, 0, 65535, "a UDP port");
        String trunk = v.get(SIP_TRUNK).strip();
        if (!trunk.isEmpty() && !trunk.matches("[A-Za-z0-9.\\-\\[\\]:]+(:\\d{1,5})?")) {
            throw new ConfigException(SIP_TRUNK + " is '" + trunk + "': give host or host:port of the SIP trunk, e.g. sip.carrier.example:5060");
        }
        int lease = intIn(v, DIALER_LEASE_MS, 3_000, 600_000, "milliseconds");
        String enabled = v.get(DIALER_ENABLED).strip().toLowerCase(Locale.ROOT);
        if (!enabled.equals("true") && !enabled.equals("false")) {
            throw new ConfigException(DIALER_ENABLED + " is '" + enabled + "': use true or false");
        }
        String ports = v.get(RTP_PORTS).strip();
        Matcher range = Pattern.compile("(\\d{1,5})-(\\d{1,5})").matcher(ports);
        if (!range.matches() || Integer.parseInt(range.group(1)) < 1024 || Integer.parseInt(range.group(2)) > 65535
                || Integer.parseInt(range.group(1)) > Integer.parseInt(range.group(2))) {
            throw new ConfigException(RTP_PORTS + " is '" + ports + "': give a range of UDP ports like 16384-32767 (from 1024 up)");
        }
        String external = v.get(SIP_EXTERNAL_ADDRESS).strip();
        if (!external.isEmpty() && !external.matches("[A-Za-z0-9.:-]+")) {
            throw new ConfigException(SIP_EXTERNAL_ADDRESS + " is '" + external + "': give the public IP address or host name"
                    + " that peers reach this node at (used in SDP and Contact)");
        }
        return new ParleyConfig.Telephony(enabled.equals("true"), listen.substring(0, colon), port,
                external.isEmpty() ? listen.substring(0, colon) : external,
                Integer.parseInt(range.group(1)), Integer.parseInt(range.group(2)),
                trunk.isEmpty() ? Optional.empty() : Optional.of(trunk),
                intIn(v, DIALER_MAX_CALLS, 1, 100_000, "calls at once on this node"),
                Duration.ofSeconds(intIn(v, DIALER_RING_TIMEOUT_SECONDS, 5, 600, "seconds")),
                Duration.ofMillis(lease),
                Duration.ofSeconds(intIn(v, WEBCALL_JOIN_SECONDS, 2, 600, "seconds")));
    }

    private static ParleyConfig.Webhooks webhooks(Map<String, String> v, boolean embedded) {
        // Development mode is the embedded database: a production deployment (an external database)
        // never sends webhooks over plain http to this machine unless webhook.allowed.hosts says so.
        boolean devMode = embedded;
        List<String> hosts = hostList(v, WEBHOOK_ALLOWED_HOSTS);
        int timeout = intIn(v, WEBHOOK_TIMEOUT_MS, 100, 60_000, "milliseconds");
        int retry = intIn(v, WEBHOOK_RETRY_INITIAL_MS, 10, 3_600_000, "milliseconds");
        int lease = intIn(v, WEBHOOK_LEASE_MS, 1_000, 3_600_000, "milliseconds");
        if (lease <= timeout) {
            throw new ConfigException(WEBHOOK_LEASE_MS + " (" + lease + ") must be longer than " + WEBHOOK_TIMEOUT_MS
                    + " (" + timeout + "), or a slow delivery would be taken over while still being sent");
        }
        int concurrency = intIn(v, WEBHOOK_CONCURRENCY, 1, 1_000, "deliveries in flight per node");
        return new ParleyConfig.Webhooks(devMode, hosts, Duration.ofMillis(timeout),
                Duration.ofMillis(retry), Duration.ofMillis(lease), concurrency);
    }

    private static ParleyConfig.Secrets secrets(Map<String, String> v) {
        String key = v.get(SECRETS_MASTER_KEY).strip();
        if (key.isEmpty()) {
            return new ParleyConfig.Secrets(Optional.empty());
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(key);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(SECRETS_MASTER_KEY + " is not base64; make one with: head -c 32 /dev/urandom | base64");
        }
        if (raw.length != 32) {
            throw new ConfigException(SECRETS_MASTER_KEY + " decodes to " + raw.length + " bytes; it must be 32"
                    + " (make one with: head -c 32 /dev/urandom | base64)");
        }
        return new ParleyConfig.Secrets(Optional.of(key));
    }

    private static int intIn(Map<String, String> v, String key, int min, int max, String what) {
        String raw = v.get(key);
        try {
            int n = Integer.parseInt(raw.strip());
            if (n < min || n > max) {
                throw new ConfigException(key + " is " + n + ": it must be " + what + " between " + min + " and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " is '" + raw + "': it must be a whole number, " + what);
        }
    }
}
