package dev.parley.config;

import dev.parley.ai.KeyedProvider;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything Parley reads at start, typed and validated once by {@link ConfigLoader}.
 *
 * @param dataDir where the embedded database and generated files live
 */
public record ParleyConfig(Http http, Database database, Path dataDir, Webhooks webhooks, Secrets secrets,
                           Telephony telephony, Speech speech, Recordings recordings, Providers providers,
                           Carriers carriers) {

    public record Http(String host, int port) {
        /** Largest request body accepted; larger ones get 413. */
        public static final int MAX_BODY_BYTES = 64 * 1024;
    }

    /**
     * @param url an external PostgreSQL server, or empty for the embedded one under the data dir
     */
    public record Database(Optional<DatabaseUrl> url, int poolSize) {
        public boolean embedded() {
            return url.isEmpty();
        }
    }

    /**
     * Event delivery. {@code devMode} (on with the embedded database, off with an external one)
     * allows plain http:// to loopback receivers.
     *
     * @param allowedHosts host names or CIDR blocks that may be delivered to although they are
     *     private (the SSRF guard refuses private, link-local and metadata addresses otherwise)
     * @param timeout connect plus response, per attempt
     * @param retryInitial first retry delay; each further one doubles (with jitter) up to an hour
     * @param lease how long a worker owns a delivery it is sending; a crashed node's deliveries are
     *     taken over after it
     */
    public record Webhooks(boolean devMode, List<String> allowedHosts, Duration timeout,
                           Duration retryInitial, Duration lease, int concurrency) {}

    /**
     * SIP and the dialer.
     *
     * @param dialerEnabled false keeps accepted calls queued (an API-only node)
     * @param externalHost the address peers reach this node at, for SDP and Contact (behind NAT);
     *     the listen host when not set
     * @param trunk host or host:port that calls are sent to ({@code sip:<E.164>@trunk}); without
     *     one, calls ring softphones registered to the built-in sandbox registrar
     * @param maxCalls calls at once on this node (lines); more wait queued
     * @param lease how long a node owns a call it dials without renewing; a dead node's calls end
     *     as {@code node-lost} after it
     * @param webJoin how long a web call's browser has to join it (its token's life): the call rings that long
     */
    public record Telephony(boolean dialerEnabled, String sipHost, int sipPort, String externalHost, int rtpFirst, int rtpLast, Optional<String> trunk, int maxCalls,
                            Duration ringTimeout, Duration lease, Duration webJoin) {}

    /**
     * The offline speech engines of a node that dials, created at start and shared by its calls.
     *
     * @param recognizers Sphinx4 recognizers; a call borrows one only while it decodes an utterance
     * @param recognizerWait how long an utterance waits for a free recognizer before it counts as not understood
     * @param voices FreeTTS voices; phrases are cached by text, so most turns need none
     */
    public record Speech(int recognizers, Duration recognizerWait, int voices) {}

    /**
     * Where call recordings are kept, chosen by {@code recordings.url}: in PostgreSQL (empty, the
     * default) or in an S3-compatible bucket ({@code s3://bucket/prefix?endpoint=...&region=...}).
     */
    public sealed interface Recordings {
        record InDatabase() implements Recordings {}

        /**
         * @param endpoint scheme, host and port of the S3 API; objects are addressed path-style
         *     ({@code <endpoint>/<bucket>/<prefix>/<call id>.wav}), which MinIO, Ceph and AWS all take
         * @param prefix the key prefix without leading or trailing slash; may be empty
         */
        record S3(URI endpoint, String region, String bucket, String prefix, String accessKey, String secretKey)
                implements Recordings {
            /** Never shows the secret key: configs get logged and printed in error messages. */
            @Override
            public String toString() {
                return "S3[endpoint=" + endpoint + ", region=" + region + ", bucket=" + bucket + ", prefix=" + prefix
                        + ", accessKey=" + accessKey + ", secretKey=***]";
            }
        }
    }

    /** @param masterKey base64 of 32 bytes, or empty to use (and create) {@code <data-dir>/master.key} */
    public record Secrets(Optional<String> masterKey) {
        /** Never shows the key: configs get logged and printed in error messages. */
        @Override
        public String toString() {
            return "Secrets[masterKey=" + (masterKey.isPresent() ? "***" : "generated in the data dir") + "]";
        }
    }

    /**
     * Network providers (language models, recognizers, voices) as this node reaches them.
     *
     * @param devMode as for webhooks: a {@code base_url} may use plain http:// to this machine
     * @param allowedHosts host names or CIDR blocks a {@code base_url} may point at although they are
     *     private (a model server on the LAN)
     * @param apiKeys the node's own keys, used by workspaces that set none for that provider
     */
    public record Providers(boolean devMode, List<String> allowedHosts, Map<KeyedProvider, String> apiKeys) {
        public Providers {
            allowedHosts = List.copyOf(allowedHosts);
            apiKeys = Map.copyOf(apiKeys);
        }

        /** Names which keys are set, never the keys: configs get logged and printed in error messages. */
        @Override
        public String toString() {
            return "Providers[devMode=" + devMode + ", allowedHosts=" + allowedHosts + ", apiKeys="
                    + apiKeys.keySet().stream().map(Enum::name).sorted().toList() + "]";
        }
    }

    /**
     * Carriers reached over their REST APIs (Twilio, Telnyx) and how they reach this node back.
     *
     * @param publicUrl the https base the carriers reach this node at ({@code public.url}), without a
     *     trailing slash: status callbacks and media streams are under it; empty when not set, and then
     *     no Twilio or Telnyx number can be added
     * @param twilioApi the base URL of Twilio's REST API (its own by default; a fake's in tests)
     * @param telnyxApi the base URL of Telnyx's REST API (its own by default; a fake's in tests)
     * @param twilioTimeout how long a request to Twilio may take; a create past it is looked up, never re-sent
     * @param twilioQuiet how long a live Twilio call's callbacks may be silent before it is fetched from Twilio
     */
    public record Carriers(Optional<URI> publicUrl, URI twilioApi, URI telnyxApi, Duration twilioTimeout, Duration twilioQuiet) {}

    /** The embedded database's files: kept across restarts. */
    public Path embeddedDatabaseDir() {
        return dataDir.resolve("postgres");
    }
}
