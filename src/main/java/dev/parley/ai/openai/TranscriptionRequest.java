package dev.parley.ai.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.ai.Endpoint;
import dev.parley.ai.ProviderFailure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * One {@code POST {base_url}/audio/transcriptions}: an utterance as an 8 kHz mono 16-bit WAV in a
 * multipart form with {@code model} and {@code language}, answered by {@code {"text": ...}}. The
 * form is the one OpenAI documents and the OpenAI-compatible Whisper servers accept.
 *
 * <p>Written over the JDK's client rather than the openai-java SDK, which refuses to build a client
 * without a credential: a local server that needs no key would have to be sent a made-up one.
 */
final class TranscriptionRequest {
    static final String PROVIDER = "openai";
    private static final ObjectMapper JSON = new ObjectMapper();

    private TranscriptionRequest() {}

    /** The text heard, or the failure classified by {@link ProviderFailure}'s one rule. */
    static String transcribe(HttpClient http, Endpoint endpoint, String model, String language, short[] audio,
                             Duration timeout) {
        String boundary = "parley-" + UUID.randomUUID();
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint.resolve("audio/transcriptions"))
                .timeout(timeout)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(form(boundary, model, language, wav(audio))));
        endpoint.apiKey().ifPresent(k -> request.header("Authorization", "Bearer " + k));
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new ProviderFailure.Exception(ProviderFailure.ofIo(PROVIDER, e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderFailure.Exception(ProviderFailure.ofIo(PROVIDER, e));
        }
        if (response.statusCode() / 100 != 2) {
            throw new ProviderFailure.Exception(ProviderFailure.ofStatus(PROVIDER, response.statusCode(),
                    response.headers().firstValue("Retry-After").orElse(null), Instant.now()));
        }
        try {
            JsonNode text = JSON.readTree(response.body()).get("text");
            if (text == null || !text.isTextual()) {
                throw new IOException("no text");
            }
            return text.asText().strip();
        } catch (IOException e) {
            throw new ProviderFailure.Exception(ProviderFailure.of(PROVIDER, false,
                    PROVIDER + " answered without a transcription's text (check base_url)"));
        }
    }

    /** Whisper takes ISO-639-1 ({@code en}); assistants may say {@code en-US}. */
    static String isoLanguage(String language) {
        if (language == null || language.isBlank()) {
            return null;
        }
        int dash = language.indexOf('-');
        return (dash < 0 ? language : language.substring(0, dash)).toLowerCase(java.util.Locale.ROOT);
    }

    static byte[] form(String boundary, String model, String language, byte[] wav) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(wav.length + 512);
        part(out, boundary, "Content-Disposition: form-data; name=\"file\"; filename=\"utterance.wav\"\r\n"
                + "Content-Type: audio/wav", wav);
        field(out, boundary, "model", model);
        if (language != null) {
            field(out, boundary, "language", language);
        }
        field(out, boundary, "response_format", "json");
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static void field(ByteArrayOutputStream out, String boundary, String name, String value) {
        part(out, boundary, "Content-Disposition: form-data; name=\"" + name + "\"",
                value.getBytes(StandardCharsets.UTF_8));
    }

    private static void part(ByteArrayOutputStream out, String boundary, String headers, byte[] body) {
        out.writeBytes(("--" + boundary + "\r\n" + headers + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(body);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    /** An 8 kHz mono 16-bit PCM WAV. */
    static byte[] wav(short[] samples) {
        int data = samples.length * 2;
        ByteBuffer b = ByteBuffer.allocate(44 + data).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x46464952).putInt(36 + data).putInt(0x45564157); // "RIFF" size "WAVE"
        b.putInt(0x20746d66).putInt(16).putShort((short) 1).putShort((short) 1).putInt(8000).putInt(8000 * 2)
                .putShort((short) 2).putShort((short) 16); // "fmt ": PCM, mono, 8 kHz, 16-bit
        b.putInt(0x61746164).putInt(data); // "data"
        for (short s : samples) {
            b.putShort(s);
        }
        return b.array();
    }
}
