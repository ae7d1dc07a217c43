package dev.parley.telephony.stream;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import dev.parley.telephony.twilio.TwilioSignature;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's {@link MediaStreams}: which calls expect a stream, and who may attach to them.
 *
 * <p>A provider calls {@link #expect} before it asks the carrier to dial: that mints the call's
 * token (24 random bytes) and its URL, {@code wss://<public.url>/v1/carriers/<twilio|telnyx>/stream/<call
 * id>}, with {@code ?token=} for Telnyx, which signs nothing on the upgrade request. When the carrier
 * connects, the HTTP layer hands the socket to {@link #connect}, which refuses (policy close 1008, one
 * log line without the token or signature) a stream that no call expects, a Twilio upgrade whose
 * {@code X-Twilio-Signature} is not the auth token's HMAC of that exact URL, a Telnyx token that
 * does not match, and any stream for a call that already has one. Twilio's signature covers only
 * the URL, so whoever saw one upgrade request could replay it; the token in {@code start}'s custom
 * parameters, checked in {@link StreamSession}, is what a replay lacks.
 *
 * <p>A web call's browser connects to {@link #BROWSER_PATH} instead ({@link #connectBrowser}); its
 * token was issued when the call was accepted and is checked against the stored hash in
 * {@link BrowserSession}, which then joins the call here, waiting for the dialer if it came first.
 */
public final class CarrierStreams implements MediaStreams {
    private static final Logger log = LoggerFactory.getLogger(CarrierStreams.class);
    private static final Pattern CALL_ID = Pattern.compile("c_[0-9a-f]{24}");
    /** The path the HTTP layer serves streams on. */
    public static final String PATH = "/v1/carriers/{carrier}/stream/{call_id}";
    /** The path the HTTP layer serves browsers' streams on (see {@link BrowserSession}). */
    public static final String BROWSER_PATH = "/v1/web-calls/{call_id}/stream";

    /** Counters of the node's streams: what the metrics show. */
    public record Stats(LongAdder in, LongAdder out, LongAdder dropped, LongAdder silenceSkipped, LongAdder refused,
                        LongAdder unknown) {
        static Stats create() {
            return new Stats(new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder());
        }
    }

    private final Supplier<URI> publicBase;
    private final LongSupplier nanos;
    private final WebCallTokens tokens;
    private final InstantSource clock;
    private final Map<String, Expectation> expected = new ConcurrentHashMap<>();
    /** Browsers whose token is good, waiting for their call to be claimed and to expect them (by call id). */
    private final Map<String, BrowserSession> waiting = new ConcurrentHashMap<>();
    private final Stats stats = Stats.create();
    private final SecureRandom random = new SecureRandom();

    /**
     * @param publicBase the base URL the carriers reach this node at ({@code public.url}); read at each
     *                   {@link #expect}, so a node listening on a port chosen at start can supply it late
     */
    public CarrierStreams(Supplier<URI> publicBase) {
        this(publicBase, callId -> Optional.empty(), InstantSource.system());
    }

    /**
     * @param tokens the web calls' stored tokens, which browsers' streams are checked against
     * @param clock what a web call's join deadline is compared with
     */
    public CarrierStreams(Supplier<URI> publicBase, WebCallTokens tokens, InstantSource clock) {
        this(publicBase, System::nanoTime, tokens, clock);
    }

    CarrierStreams(Supplier<URI> publicBase, LongSupplier nanos) {
        this(publicBase, nanos, callId -> Optional.empty(), InstantSource.system());
    }

    CarrierStreams(Supplier<URI> publicBase, LongSupplier nanos, WebCallTokens tokens, InstantSource clock) {
        this.publicBase = publicBase;
        this.nanos = nanos;
        this.tokens = tokens;
        this.clock = clock;
    }

    public void bindMetrics(MeterRegistry registry) {
        FunctionCounter.builder("parley_media_stream_frames_in", stats.in(), LongAdder::sum)
                .description("Audio frames received on carriers' media streams").register(registry);
        FunctionCounter.builder("parley_media_stream_frames_out", stats.out(), LongAdder::sum)
                .description("Audio frames sent on carriers' media streams").register(registry);
        FunctionCounter.builder("parley_media_stream_frames_dropped", stats.dropped(), LongAdder::sum)
                .description("Audio frames not sent because a carrier's socket fell a second behind").register(registry);
        FunctionCounter.builder("parley_media_streams_refused", stats.refused(), LongAdder::sum)
                .description("Media streams refused: unexpected, unsigned, wrong token, or a second one for a call").register(registry);
        Gauge.builder("parley_media_streams_expected", expected, Map::size)
                .description("Calls expecting or holding a media stream").register(registry);
    }

    public Stats stats() {
        return stats;
    }

    @Override
    public Expected expect(String callId, Dialect dialect, Optional<String> signingKey, Events events) {
        if (dialect == Dialect.TWILIO && signingKey.filter(k -> !k.isEmpty()).isEmpty()) {
            throw new IllegalArgumentException("A Twilio stream needs the auth token that signs its upgrade request");
        }
        String token = null;
        if (dialect != Dialect.WEB) {
            byte[] secret = new byte[24];
            random.nextBytes(secret);
            token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        }
        Expectation e = new Expectation(callId, dialect, streamUrl(dialect, callId, token), token, signingKey.orElse(""), events);
        if (expected.putIfAbsent(callId, e) != null) {
            throw new IllegalStateException("Call " + callId + " already expects a media stream");
        }
        BrowserSession early = dialect == Dialect.WEB ? waiting.remove(callId) : null;
        if (early != null) {
            // Joined on a thread of its own: the call answers, and the caller of expect() is the one dialing it.
            Thread.ofVirtual().name("browser-join-" + callId).start(() -> early.attach(e));
        }
        return e;
    }

    private URI streamUrl(Dialect dialect, String callId, String token) {
        URI base = publicBase.get();
        String scheme = "https".equalsIgnoreCase(base.getScheme()) ? "wss" : "ws";
        String path = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
        String stream = dialect == Dialect.WEB ? browserPath(callId) : "/v1/carriers/" + carrier(dialect) + "/stream/" + callId
                + (dialect == Dialect.TELNYX ? "?token=" + token : "");
        return URI.create(scheme + "://" + base.getRawAuthority() + path + stream);
    }

    /** Where a web call's browser connects, under the node's address. */
    public static String browserPath(String callId) {
        return BROWSER_PATH.replace("{call_id}", callId);
    }

    static String carrier(Dialect dialect) {
        return dialect.name().toLowerCase(Locale.ROOT);
    }

    /**
     * A carrier's socket connected to {@link #PATH}. Refused ones are closed here.
     * @param signature the upgrade request's {@code X-Twilio-Signature}, or null
     * @param queryToken the URL's {@code token} parameter, or null
     * @return the stream, to which the socket's messages go, unless refused
     */
    public Optional<StreamSession> connect(String carrier, String callId, String signature, String queryToken, StreamSocket socket) {
        Expectation e = expected.get(callId);
        if (e == null || e.dialect == Dialect.WEB || !carrier(e.dialect).equals(carrier)) {
            return refuse(socket, callId, "no call expects this stream");
        }
        switch (e.dialect) {
            case TWILIO -> {
                if (!TwilioSignature.valid(e.signingKey, e.url.toString(), Map.of(), signature)) {
                    return refuse(socket, callId, "the X-Twilio-Signature header is missing or wrong");
                }
            }
            case TELNYX -> {
                if (!sameToken(e.token, queryToken)) {
                    return refuse(socket, callId, "the token is missing or wrong");
                }
            }
            case WEB -> throw new IllegalStateException("a browser's stream is never a carrier's");
        }
        if (e.attached() != null) {
            return refuse(socket, callId, "the call already has a stream");
        }
        StreamSession session = new StreamSession(e, Wire.of(e.dialect), socket, stats, nanos);
        if (e.dialect == Dialect.TELNYX && !e.attach(session)) {
            return refuse(socket, callId, "the call already has a stream");
        }
        return Optional.of(session);
    }

    /**
     * A browser's socket connected to {@link #BROWSER_PATH}: it is checked when it sends its
     * {@code start} (see {@link BrowserSession}). An id that is not a call id's shape is refused now.
     */
    public Optional<BrowserSession> connectBrowser(String callId, StreamSocket socket) {
        if (!CALL_ID.matcher(callId).matches()) {
            refuse(socket, callId, BrowserSession.NO_SUCH_CALL, BrowserSession.NO_SUCH_CALL);
            return Optional.empty();
        }
        return Optional.of(new BrowserSession(this, callId, socket, stats, nanos));
    }

    WebCallTokens tokens() {
        return tokens;
    }

    InstantSource clock() {
        return clock;
    }

    /**
     * A browser with a good token joins its call: at once if the call expects it here, else it waits
     * until {@code joinBy} for the dialer to claim the call (a browser may connect a moment before
     * that). Whoever removes the waiting entry (this, or {@link #expect}) attaches it, so it is attached once.
     */
    void join(BrowserSession browser, Instant joinBy) {
        String callId = browser.callId();
        Expectation e = expected.get(callId);
        if (e != null) {
            browser.attach(e);
            return;
        }
        if (waiting.putIfAbsent(callId, browser) != null) {
            String why = "another browser is joining this call";
            refuse(browser.socket(), callId, why, why);
            return;
        }
        Expectation meanwhile = expected.get(callId);
        if (meanwhile != null && waiting.remove(callId, browser)) {
            browser.attach(meanwhile);
            return;
        }
        Thread.ofVirtual().name("browser-wait-" + callId).start(() -> {
            try {
                Thread.sleep(Math.max(0, Duration.between(clock.instant(), joinBy).toMillis()));
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            if (waiting.remove(callId, browser)) {
                String why = "the call was not placed on this node before its token expired";
                refuse(browser.socket(), callId, why, why);
            }
        });
    }

    /** A waiting browser went away. */
    void left(BrowserSession browser) {
        waiting.remove(browser.callId(), browser);
    }

    static boolean sameToken(String expected, String given) {
        return given != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    Optional<StreamSession> refuse(StreamSocket socket, String callId, String why) {
        return refuse(socket, callId, why, "refused");
    }

    /** @param shown the close reason the far end sees: never a secret (a browser is told why, a carrier only that) */
    Optional<StreamSession> refuse(StreamSocket socket, String callId, String why, String shown) {
        stats.refused().increment();
        // The call id comes from the URL: logged only when it has the shape of one.
        log.warn("Media stream for {} refused: {}", CALL_ID.matcher(callId).matches() ? callId : "(not a call id)", why);
        socket.close(StreamSocket.POLICY, shown);
        return Optional.empty();
    }

    /** One call's expected stream. */
    final class Expectation implements Expected {
        final String callId;
        final Dialect dialect;
        final URI url;
        final String token;
        final String signingKey;
        final Events events;
        private Attachment attached;
        private boolean closed;

        Expectation(String callId, Dialect dialect, URI url, String token, String signingKey, Events events) {
            this.callId = callId;
            this.dialect = dialect;
            this.url = url;
            this.token = token;
            this.signingKey = signingKey;
            this.events = events;
        }

        CarrierStreams streams() {
            return CarrierStreams.this;
        }

        @Override
        public URI url() {
            return url;
        }

        @Override
        public String token() {
            return token;
        }

        synchronized Attachment attached() {
            return attached;
        }

        synchronized boolean closed() {
            return closed;
        }

        /** The one stream this call gets; false when it already has one or the call is over. */
        synchronized boolean attach(Attachment session) {
            if (attached != null || closed) {
                return false;
            }
            attached = session;
            return true;
        }

        @Override
        public void close() {
            Attachment s;
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                s = attached;
            }
            expected.remove(callId, this);
            if (s != null) {
                s.close();
            }
        }
    }
}
