package dev.parley.ai.deepgram;

import dev.parley.ai.Endpoint;
import dev.parley.ai.SpeechToText;
import dev.parley.ai.Usage;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * Deepgram's live transcription for one call: a streaming recognizer over a WebSocket
 * ({@code /v1/listen}) that hears the whole call, sends interim and final transcripts, decides
 * itself where the caller's turns end ({@code endpointing}, {@code UtteranceEnd}) and says when
 * speech begins ({@code vad_events}), which the conversation may use for barge-in. See
 * {@link DeepgramSession} for how a session behaves and fails.
 *
 * <p>Audio goes out as {@code linear16}: the session's frames are 16-bit PCM already, so nothing is
 * quantized a second time (a call that came in as A-law would be, if re-encoded to μ-law), and
 * 16 kB/s per call is nothing next to what the connection carries. Each 20 ms frame is its own
 * message, as it arrives: Deepgram takes any chunking, and batching would only hold a frame back.
 */
public final class DeepgramSpeechToText implements SpeechToText {
    public static final URI DEFAULT_BASE_URL = URI.create("https://api.deepgram.com");
    /** Deepgram's live stream needs at least 1000 ms here. */
    static final int UTTERANCE_END_MS = 1000;
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .executor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("deepgram-", 0).factory()))
            .build();

    /**
     * How long things may take; the defaults suit the real service.
     *
     * @param keepAlive a {@code KeepAlive} goes out when no audio was sent for this long (Deepgram
     *                  closes a stream that got nothing for about 10 s)
     * @param stallLimit a connection that answered nothing while this much audio went out (and this
     *                   long passed) has stalled; also the most a single send may take
     * @param finalizeWait how long {@code finish()} waits for the flushed results before it answers anyway
     * @param connectTimeout for the WebSocket handshake
     * @param maxHeld the most audio held for a connection being opened, or not yet recognized and so
     *                replayed on a new connection; older audio is dropped
     */
    public record Timing(Duration keepAlive, Duration stallLimit, Duration finalizeWait, Duration connectTimeout,
                         Duration maxHeld) {
        public static final Timing DEFAULT = new Timing(Duration.ofSeconds(4), Duration.ofSeconds(10),
                Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(15));

        public Timing {
            for (Duration d : new Duration[] {keepAlive, stallLimit, finalizeWait, connectTimeout, maxHeld}) {
                if (d == null || d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("Deepgram timings must be positive, got " + d);
                }
            }
        }
    }

    private final Endpoint endpoint;
    private final String model;
    private final String language;
    private final int endpointingMs;
    private final Usage usage;
    private final Timing timing;

    /**
     * @param endpoint provider {@code deepgram}, its base URL as scheme and host
     *                 ({@link #DEFAULT_BASE_URL} unless the assistant sets {@code base_url}) and key
     * @param model e.g. {@code nova-3}
     * @param language as the assistant's config says it ({@code en-US}, {@code en}, {@code multi})
     * @param endpointingMs the assistant's {@code turn_taking.endpointing_ms}: the silence after which
     *                      Deepgram ends a turn
     * @param usage the call's usage, which gets the seconds of audio sent
     */
    public DeepgramSpeechToText(Endpoint endpoint, String model, String language, int endpointingMs, Usage usage) {
        this(endpoint, model, language, endpointingMs, usage, Timing.DEFAULT);
    }

    public DeepgramSpeechToText(Endpoint endpoint, String model, String language, int endpointingMs, Usage usage,
                                Timing timing) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("transcriber.model is required for deepgram (e.g. nova-3)");
        }
        if (endpointingMs <= 0) {
            throw new IllegalArgumentException("endpointing_ms must be positive, got " + endpointingMs);
        }
        this.model = model;
        this.language = language == null || language.isBlank() ? "en" : language;
        this.endpointingMs = endpointingMs;
        this.usage = Objects.requireNonNull(usage, "usage");
        this.timing = Objects.requireNonNull(timing, "timing");
    }

    @Override
    public Session start() {
        return DeepgramSession.start(HTTP, listenUri(), endpoint.apiKey(), usage, timing);
    }

    /** The stream's URL: 8 kHz mono linear16 in, interim results, Deepgram's endpointing and VAD events. */
    URI listenUri() {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("model", model);
        q.put("language", language);
        q.put("encoding", "linear16");
        q.put("sample_rate", "8000");
        q.put("channels", "1");
        q.put("interim_results", "true");
        q.put("endpointing", Integer.toString(endpointingMs));
        q.put("utterance_end_ms", Integer.toString(UTTERANCE_END_MS));
        q.put("vad_events", "true");
        q.put("smart_format", "true");
        q.put("punctuate", "true");
        String query = q.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return endpoint.webSocket("/v1/listen?" + query);
    }
}
