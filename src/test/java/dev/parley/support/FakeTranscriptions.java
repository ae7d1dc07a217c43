package dev.parley.support;

import dev.parley.media.Wav;
import io.javalin.Javalin;
import io.javalin.http.UploadedFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * OpenAI's {@code POST /v1/audio/transcriptions} on 127.0.0.1 (as OpenAI documents it, and as the
 * OpenAI-compatible Whisper servers serve it): a multipart form with {@code file}, {@code model},
 * {@code language}, answered {@code {"text": ...}}. It recognizes nothing: each request takes the
 * next {@link Answer} of its script (a text, an error status, a delay); once the script is used up
 * it answers {@code ""}. Every request is recorded, its WAV included. Use {@link #baseUrl()} as the
 * provider's {@code base_url}.
 */
public final class FakeTranscriptions implements AutoCloseable {

    /** What one request gets. */
    public record Answer(int status, String text, Duration delay, String retryAfter) {
        public static Answer text(String text) {
            return new Answer(200, text, Duration.ZERO, null);
        }

        public static Answer status(int status) {
            return new Answer(status, null, Duration.ZERO, null);
        }

        public static Answer slow(String text, Duration delay) {
            return new Answer(200, text, delay, null);
        }
    }

    /** One request as received. */
    public record Request(String authorization, String model, String language, String filename, String contentType,
                          byte[] file, Map<String, List<String>> form) {
        /** The uploaded file's samples, read as an 8 kHz mono 16-bit WAV (fails on anything else). */
        public short[] samples() {
            try (InputStream in = new ByteArrayInputStream(file)) {
                return Wav.readMono8k(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final Javalin server;
    private final ArrayDeque<Answer> script = new ArrayDeque<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    public FakeTranscriptions() {
        server = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.concurrency.useVirtualThreads = true;
            config.routes.post("/v1/audio/transcriptions", ctx -> {
                UploadedFile file = ctx.uploadedFile("file");
                byte[] bytes;
                try (InputStream in = file == null ? InputStream.nullInputStream() : file.content()) {
                    bytes = in.readAllBytes();
                }
                requests.add(new Request(ctx.header("Authorization"), ctx.formParam("model"), ctx.formParam("language"),
                        file == null ? null : file.filename(), file == null ? null : file.contentType(), bytes,
                        Map.copyOf(ctx.formParamMap())));
                Answer a;
                synchronized (script) {
                    a = script.isEmpty() ? Answer.text("") : script.pollFirst();
                }
                Thread.sleep(a.delay());
                if (a.retryAfter() != null) {
                    ctx.header("Retry-After", a.retryAfter());
                }
                ctx.status(a.status());
                if (a.status() == 200) {
                    ctx.json(Map.of("text", a.text()));
                } else {
                    ctx.json(Map.of("error", Map.of("message", "scripted failure", "type", "fake")));
                }
            });
        }).start("127.0.0.1", 0);
    }

    /** {@code http://127.0.0.1:port/v1}: the provider's {@code base_url}, with its version path. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.port() + "/v1";
    }

    /** The next requests are answered with these texts. */
    public FakeTranscriptions texts(String... texts) {
        return answers(Arrays.stream(texts).map(Answer::text).toArray(Answer[]::new));
    }

    /** The next requests get these answers, in order. */
    public FakeTranscriptions answers(Answer... answers) {
        synchronized (script) {
            script.addAll(Arrays.asList(answers));
        }
        return this;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        server.stop();
    }
}
