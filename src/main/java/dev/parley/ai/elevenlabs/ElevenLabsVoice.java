package dev.parley.ai.elevenlabs;

import dev.parley.ai.Endpoint;
import dev.parley.ai.StreamedSpeech;
import dev.parley.ai.TextToSpeech;
import dev.parley.ai.Usage;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An ElevenLabs voice for one call, over the stream-input WebSocket with {@code ulaw_8000} output:
 * telephone audio as it is generated, no resampling, with character timings grouped into
 * {@link Speech#words()}.
 *
 * <p><b>One socket per utterance, one kept ready.</b> A stream-input socket takes one text input
 * and then closes, and its messages carry no utterance id: reusing a socket for several clauses
 * would make a cut clause's late audio indistinguishable from the next one's. So each
 * {@link #synthesize} takes the socket opened ahead ({@link #warm()}, or after the previous
 * utterance), sends the clause flushed and ended, and opens the next one as soon as this one is open. A clause's first
 * audio then waits only for generation, never for a handshake; a barge-in aborts that clause's
 * socket, which stops ElevenLabs generating and drops anything still in flight. A ready socket
 * idles at most {@code inactivity_timeout} (180 s, the most ElevenLabs allows); one older than
 * that, or closed by the server, is replaced when it is needed.
 */
public final class ElevenLabsVoice implements TextToSpeech {
    public static final URI DEFAULT_BASE_URL = URI.create("https://api.elevenlabs.io");
    public static final Duration DEFAULT_STALL = Duration.ofMillis(2500);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SPARE_MAX_AGE = Duration.ofSeconds(170);
    /** Shared by every call: one selector thread for the node, not one per call. */
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();

    private final Endpoint endpoint;
    private final URI uri;
    private final Usage usage;
    private final Duration stallLimit;
    private final List<StreamInput> sockets = new ArrayList<>(); // guarded by this; all opened, to close them all
    private StreamInput spare;  // guarded by this
    private boolean closed;     // guarded by this

    public ElevenLabsVoice(Endpoint endpoint, String voiceId, String model, Usage usage) {
        this(endpoint, voiceId, model, usage, DEFAULT_STALL);
    }

    /** {@code stallLimit}: how long without audio, after the text was asked for, means the stream stalled. */
    public ElevenLabsVoice(Endpoint endpoint, String voiceId, String model, Usage usage, Duration stallLimit) {
        if (voiceId == null || voiceId.isBlank()) {
            throw new IllegalArgumentException("an ElevenLabs voice needs a voiceId (voice.voiceId in the assistant's config)");
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("an ElevenLabs voice needs a model (voice.model, e.g. eleven_flash_v2_5)");
        }
        this.endpoint = endpoint;
        this.usage = usage;
        this.stallLimit = StreamedSpeech.checkedStallLimit(stallLimit);
        this.uri = endpoint.webSocket("/v1/text-to-speech/" + encode(voiceId) + "/stream-input?model_id=" + encode(model)
                + "&output_format=ulaw_8000&sync_alignment=true&auto_mode=true&inactivity_timeout=180");
    }

    @Override
    public int sampleRate() {
        return 8000;
    }

    @Override
    public synchronized void warm() {
        if (!closed && (spare == null || !spare.usable(SPARE_MAX_AGE))) {
            if (spare != null) {
                spare.abort();
            }
            spare = open();
        }
    }

    @Override
    public Speech synthesize(String text) {
        String clause = text == null ? "" : text.strip();
        StreamedSpeech speech = new StreamedSpeech(StreamInput.PROVIDER, stallLimit);
        if (clause.isEmpty()) {
            speech.end();
            return speech;
        }
        StreamInput socket;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the ElevenLabs voice was closed (its call ended)");
            }
            warm();
            socket = spare;
            spare = null;
        }
        socket.speak(clause, speech, usage);
        // The next utterance's socket opens while this one speaks, once this one opened: a refused
        // key or a rate limit is not asked twice.
        socket.whenReady(this::warm);
        return speech;
    }

    @Override
    public synchronized void close() {
        closed = true;
        sockets.forEach(StreamInput::abort);
        sockets.clear();
        spare = null;
    }

    @Override
    public String toString() {
        return "ElevenLabsVoice(" + endpoint + ")";
    }

    private StreamInput open() {
        sockets.removeIf(StreamInput::closed);
        StreamInput s = StreamInput.open(HTTP, uri, endpoint.apiKey(), CONNECT_TIMEOUT);
        sockets.add(s);
        return s;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
