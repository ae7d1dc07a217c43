package dev.parley.ai.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.ai.Endpoint;
import dev.parley.ai.ProviderFailure;
import dev.parley.ai.StreamedSpeech;
import dev.parley.ai.TextToSpeech;
import dev.parley.ai.Usage;
import dev.parley.media.Downsampler;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * An OpenAI voice ({@code POST {base_url}/audio/speech}, {@code response_format: pcm}), or any
 * OpenAI-compatible local TTS server at its {@code base_url}; one per call. The body streams raw
 * 24 kHz 16-bit little-endian mono PCM as it is generated; it is low-passed and decimated to 8 kHz
 * chunk by chunk ({@link Downsampler}) and handed out in frames as they complete. Some local
 * servers only answer WAV: a RIFF header is read and skipped, and its rate used (any multiple of
 * 8 kHz).
 *
 * <p>The JDK's HTTP client rather than the openai-java SDK: without a key (a local server) no
 * {@code Authorization} header is sent at all, where the SDK insists on one; retrying is
 * {@link ProviderFailure}'s rule and the fallback voice's job, not a second retry loop inside the
 * client that would delay a fallback by seconds; and closing the {@link Speech} (barge-in) cancels
 * the exchange and closes its stream, which drops the connection so the server stops generating.
 */
public final class OpenAiVoice implements TextToSpeech {
    public static final URI DEFAULT_BASE_URL = URI.create("https://api.openai.com/v1");
    public static final Duration DEFAULT_STALL = Duration.ofMillis(2500);
    static final String PROVIDER = "openai";
    private static final int RATE = 24000;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Shared by every call: one selector thread and one connection pool for the node. */
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Endpoint endpoint;
    private final String voice;
    private final String model;
    private final Usage usage;
    private final Duration stallLimit;
    private final Set<StreamedSpeech> speaking = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public OpenAiVoice(Endpoint endpoint, String voice, String model, Usage usage) {
        this(endpoint, voice, model, usage, DEFAULT_STALL);
    }

    /** {@code stallLimit}: how long without audio, after the request went out, means the stream stalled. */
    public OpenAiVoice(Endpoint endpoint, String voice, String model, Usage usage, Duration stallLimit) {
        if (voice == null || voice.isBlank()) {
            throw new IllegalArgumentException("an OpenAI voice needs a voice name (voice.voiceId in the assistant's config, e.g. alloy)");
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("an OpenAI voice needs a model (voice.model, e.g. gpt-4o-mini-tts)");
        }
        this.endpoint = endpoint;
        this.voice = voice;
        this.model = model;
        this.usage = usage;
        this.stallLimit = StreamedSpeech.checkedStallLimit(stallLimit);
    }

    @Override
    public int sampleRate() {
        return RATE;
    }

    @Override
    public Speech synthesize(String text) {
        String clause = text == null ? "" : text.strip();
        StreamedSpeech speech = new StreamedSpeech(PROVIDER, stallLimit);
        if (clause.isEmpty()) {
            speech.end();
            return speech;
        }
        if (closed) {
            throw new IllegalStateException("the OpenAI voice was closed (its call ended)");
        }
        speaking.add(speech);
        Thread.ofVirtual().name("openai-tts").start(() -> {
            try {
                stream(clause, speech);
            } finally {
                speaking.remove(speech);
            }
        });
        return speech;
    }

    private void stream(String text, StreamedSpeech speech) {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint.resolve("audio/speech"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(text)));
        endpoint.apiKey().ifPresent(k -> b.header("Authorization", "Bearer " + k));
        if ("http".equalsIgnoreCase(endpoint.baseUrl().getScheme())) {
            b.version(HttpClient.Version.HTTP_1_1); // local servers: no h2c upgrade dance
        }
        speech.textSent(); // the stall limit covers connecting too: a pooled connection is the normal case
        CompletableFuture<HttpResponse<InputStream>> exchange = HTTP.sendAsync(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        Thread reader = Thread.currentThread();
        speech.onCancel(() -> {
            exchange.cancel(true);
            exchange.thenAccept(r -> closeQuietly(r.body()));
            reader.interrupt();
        });
        HttpResponse<InputStream> response;
        try {
            response = exchange.get();
        } catch (InterruptedException | java.util.concurrent.CancellationException e) {
            return; // closed or stalled while waiting for the answer
        } catch (ExecutionException e) {
            speech.fail(ProviderFailure.ofIo(PROVIDER, e.getCause()));
            return;
        }
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                // The error's body is not read: it is not echoed anywhere, and closing drops it.
                speech.fail(ProviderFailure.ofStatus(PROVIDER, response.statusCode(),
                        response.headers().firstValue("retry-after").orElse(null), Instant.now()));
                return;
            }
            usage.ttsText(text.length());
            new PcmReader(in).readInto(speech);
        } catch (UnsupportedAudio e) {
            speech.fail(ProviderFailure.of(PROVIDER, false, PROVIDER + " answered audio that cannot be used: " + e.getMessage()));
        } catch (IOException e) {
            if (!speech.closed()) {
                speech.fail(ProviderFailure.ofIo(PROVIDER, e));
            }
        }
    }

    private String body(String text) {
        try {
            return JSON.writeValueAsString(JSON.createObjectNode()
                    .put("model", model).put("voice", voice).put("input", text).put("response_format", "pcm"));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // dropping the connection is the point
        }
    }

    /** Drops the exchanges still streaming (the call ended mid-utterance). */
    @Override
    public void close() {
        closed = true;
        speaking.forEach(StreamedSpeech::close);
    }

    @Override
    public String toString() {
        return "OpenAiVoice(" + endpoint + ")";
    }

    /** A WAV whose format is not 16-bit mono PCM at a multiple of 8 kHz. */
    static final class UnsupportedAudio extends IOException {
        UnsupportedAudio(String message) {
            super(message);
        }
    }

    /**
     * Little-endian 16-bit samples from the body as they arrive (a chunk may end mid-sample), through
     * the downsampler into the speech. A body starting with "RIFF" is a WAV: its chunks are skipped
     * up to {@code data}, and {@code fmt} says the rate.
     */
    private static final class PcmReader {
        private final InputStream in;

        PcmReader(InputStream in) {
            this.in = in;
        }

        void readInto(StreamedSpeech speech) throws IOException {
            byte[] head = in.readNBytes(4);
            int rate = RATE;
            byte[] carry = head;
            if (head.length == 4 && head[0] == 'R' && head[1] == 'I' && head[2] == 'F' && head[3] == 'F') {
                rate = skipWavHeader();
                carry = new byte[0];
            }
            Downsampler down = new Downsampler(rate);
            byte[] buf = new byte[4800]; // 100 ms at 24 kHz
            int held = carry.length;
            System.arraycopy(carry, 0, buf, 0, held);
            int n;
            while ((n = in.read(buf, held, buf.length - held)) >= 0) {
                int bytes = held + n;
                int even = bytes & ~1;
                short[] samples = new short[even / 2];
                for (int i = 0; i < samples.length; i++) {
                    samples[i] = (short) ((buf[2 * i] & 0xff) | (buf[2 * i + 1] << 8));
                }
                held = bytes - even;
                if (held == 1) {
                    buf[0] = buf[even];
                }
                speech.audio(down.process(samples));
            }
            speech.end();
        }

        /** Reads up to the {@code data} chunk's payload; the rate from {@code fmt}. */
        private int skipWavHeader() throws IOException {
            in.skipNBytes(4 + 4); // RIFF size, "WAVE"
            int rate = -1;
            while (true) {
                byte[] id = in.readNBytes(4);
                byte[] size = in.readNBytes(4);
                if (id.length < 4 || size.length < 4) {
                    throw new UnsupportedAudio("a WAV header without a data chunk");
                }
                long length = (size[0] & 0xffL) | (size[1] & 0xffL) << 8 | (size[2] & 0xffL) << 16 | (size[3] & 0xffL) << 24;
                String name = new String(id, java.nio.charset.StandardCharsets.US_ASCII);
                if (name.equals("data")) {
                    if (rate < 0) {
                        throw new UnsupportedAudio("a WAV data chunk before its fmt chunk");
                    }
                    return rate; // streamed WAVs give a bogus length here; read to the end instead
                }
                byte[] chunk = in.readNBytes((int) Math.min(length + (length & 1), 1 << 16));
                if (name.equals("fmt ") && chunk.length >= 16) {
                    int format = (chunk[0] & 0xff) | (chunk[1] & 0xff) << 8;
                    int channels = (chunk[2] & 0xff) | (chunk[3] & 0xff) << 8;
                    rate = (chunk[4] & 0xff) | (chunk[5] & 0xff) << 8 | (chunk[6] & 0xff) << 16 | (chunk[7] & 0xff) << 24;
                    int bits = (chunk[14] & 0xff) | (chunk[15] & 0xff) << 8;
                    if (format != 1 || channels != 1 || bits != 16 || rate < 16000 || rate % 8000 != 0) {
                        throw new UnsupportedAudio("WAV format " + format + ", " + channels + " channel(s), " + bits
                                + " bits at " + rate + " Hz (16-bit mono PCM at 16, 24 or 48 kHz, or response_format pcm, is needed)");
                    }
                }
            }
        }
    }
}
