package dev.parley.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * OpenAI's {@code POST /v1/audio/speech} on 127.0.0.1, as OpenAI and the OpenAI-compatible local
 * TTS servers answer it, for tests and benchmarks. Point a voice at {@link #baseUrl()}
 * ({@code http://127.0.0.1:port/v1}).
 *
 * <p>What it does: the request's {@code input} spoken ({@link SynthesizedAudio#pcm24k}, real speech) as
 * a chunked body of raw 24 kHz 16-bit little-endian mono PCM ({@link #wav} puts a RIFF header
 * first, as some local servers do), {@link #chunk} of audio per write, the first after
 * {@link #firstAudioAfter}, then paced at {@link #pace} times real time.
 *
 * <p>What it records: each request ({@link Request}: path, {@code Authorization} header or null,
 * JSON body) and how its answer ended ({@link Request#outcome()}: the whole body written, or the
 * client gone mid-stream).
 *
 * <p>Faults: {@link #failWith} (every request answered with that status and a JSON error),
 * {@link #stall} (headers sent, then nothing).
 */
public final class FakeOpenAiSpeech implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How an answer's body ended. */
    public enum Outcome { COMPLETE, ABORTED_BY_CLIENT, ERROR_SENT }

    public record Request(String path, String authorization, JsonNode body, CompletableFuture<Outcome> outcome) {}

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Duration firstAudioAfter = Duration.ZERO;
    private volatile double pace = 0;
    private volatile Duration chunk = Duration.ofMillis(100);
    private volatile boolean wav;
    private volatile int failStatus;
    private volatile boolean stall;
    private volatile boolean stopped;

    public FakeOpenAiSpeech() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/audio/speech", this::answer);
        server.start();
    }

    /** {@code http://127.0.0.1:port/v1}: with the version path, as OpenAI's base_url is written. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
    }

    public FakeOpenAiSpeech firstAudioAfter(Duration d) {
        this.firstAudioAfter = d;
        return this;
    }

    /** 1 is real time, 0 (the default) as fast as it goes. */
    public FakeOpenAiSpeech pace(double timesRealTime) {
        this.pace = timesRealTime;
        return this;
    }

    public FakeOpenAiSpeech chunk(Duration d) {
        this.chunk = d;
        return this;
    }

    /** Answers a WAV (RIFF header, then the same PCM) instead of raw PCM. */
    public FakeOpenAiSpeech wav(boolean on) {
        this.wav = on;
        return this;
    }

    /** Answers every request with this status (401, 429, 503...); 0 speaks again. */
    public FakeOpenAiSpeech failWith(int status) {
        this.failStatus = status;
        return this;
    }

    /** Sends the headers and then nothing, until {@code stall(false)} or close. */
    public FakeOpenAiSpeech stall(boolean on) {
        this.stall = on;
        return this;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The {@code index}-th request, waiting for it to arrive. */
    public Request request(int index, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (requests.size() <= index) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no speech request #" + index + " within " + wait);
            }
            Thread.sleep(5);
        }
        return requests.get(index);
    }

    /** The audio this fake sends for {@code text}. */
    public static short[] audioFor(String text) {
        return SynthesizedAudio.pcm24k(text);
    }

    private void answer(HttpExchange exchange) throws IOException {
        JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
        Request r = new Request(exchange.getRequestURI().getPath(), exchange.getRequestHeaders().getFirst("Authorization"),
                body, new CompletableFuture<>());
        requests.add(r);
        try (exchange) {
            int status = failStatus;
            if (status != 0) {
                byte[] error = "{\"error\":{\"message\":\"refused by the test\",\"type\":\"test\"}}".getBytes();
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(status, error.length);
                exchange.getResponseBody().write(error);
                r.outcome().complete(Outcome.ERROR_SENT);
                return;
            }
            exchange.getResponseHeaders().add("Content-Type", wav ? "audio/wav" : "audio/pcm");
            exchange.sendResponseHeaders(200, 0); // chunked, as generated
            OutputStream out = exchange.getResponseBody();
            byte[] pcm = littleEndian(audioFor(body.path("input").asText()));
            Thread.sleep(firstAudioAfter);
            if (wav) {
                out.write(wavHeader());
                out.flush();
            }
            while (stall && !stopped) {
                Thread.sleep(20);
            }
            int per = (int) (chunk.toMillis() * 48); // bytes: 24 samples/ms, 2 bytes each
            for (int from = 0; from < pcm.length; from += per) {
                int n = Math.min(per, pcm.length - from);
                out.write(pcm, from, n);
                out.flush();
                if (pace > 0 && from + n < pcm.length) {
                    Thread.sleep((long) (n / 48.0 / pace));
                }
            }
            out.close();
            r.outcome().complete(Outcome.COMPLETE);
        } catch (IOException e) {
            r.outcome().complete(Outcome.ABORTED_BY_CLIENT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] littleEndian(short[] pcm) {
        ByteBuffer b = ByteBuffer.allocate(pcm.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short s : pcm) {
            b.putShort(s);
        }
        return b.array();
    }

    /** A streaming server's header: 24 kHz mono 16-bit, sizes unknown (0xFFFFFFFF), a LIST chunk to skip. */
    private static byte[] wavHeader() {
        ByteBuffer b = ByteBuffer.allocate(12 + 8 + 16 + 8 + 4 + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(-1).put("WAVE".getBytes());
        b.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1).putInt(24000).putInt(48000)
                .putShort((short) 2).putShort((short) 16);
        b.put("LIST".getBytes()).putInt(4).put("INFO".getBytes());
        b.put("data".getBytes()).putInt(-1);
        return b.array();
    }

    @Override
    public void close() {
        stopped = true;
        server.stop(0);
    }
}
