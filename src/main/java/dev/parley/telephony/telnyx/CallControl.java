package dev.parley.telephony.telnyx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Telnyx Call Control v2 over the JDK's HTTP client (no SDK): dial, hang up, look a call up. Every
 * command carries a {@code command_id}, which Telnyx uses to ignore a repeated command, so a command
 * whose answer was lost is simply sent again with the same one.
 */
final class CallControl {
    private static final int ATTEMPTS = 3;

    private final URI api;
    private final HttpClient http;
    private final ObjectMapper json;
    private final Duration timeout;

    /** @param api scheme, host and port of the API ({@code telnyx.api.url}); paths start with {@code /v2} */
    CallControl(URI api, ObjectMapper json, Duration timeout) {
        this.api = api;
        this.json = json;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** {@code POST /v2/calls}: the new call's {@code call_control_id}. */
    String dial(String apiKey, ObjectNode request) {
        JsonNode data = send(apiKey, "POST", "/v2/calls", request).path("data");
        String id = data.path("call_control_id").asText("");
        if (id.isEmpty()) {
            throw new CallControlException(502, "no_call_control_id", "Telnyx answered the dial without a call_control_id");
        }
        return id;
    }

    /** {@code POST /v2/calls/{id}/actions/hangup}. */
    void hangup(String apiKey, String callControlId, String commandId) {
        ObjectNode body = json.createObjectNode().put("command_id", commandId);
        send(apiKey, "POST", "/v2/calls/" + path(callControlId) + "/actions/hangup", body);
    }

    /** {@code GET /v2/calls/{id}}: whether the call is still up; one Telnyx no longer knows is not. */
    boolean alive(String apiKey, String callControlId) {
        try {
            return send(apiKey, "GET", "/v2/calls/" + path(callControlId), null).path("data").path("is_alive").asBoolean(false);
        } catch (CallControlException e) {
            if (e.status() == 404) {
                return false;
            }
            throw e;
        }
    }

    /** Sends a command, again (same body, so same command_id) while no answer comes or Telnyx fails inside. */
    private JsonNode send(String apiKey, String method, String path, ObjectNode body) {
        CallControlException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                return once(apiKey, method, path, body);
            } catch (CallControlException e) {
                if (!e.outcomeUnknown() && e.status() != 429) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    private JsonNode once(String apiKey, String method, String path, ObjectNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(api.resolve(path))
                .timeout(timeout)
                .header("Authorization", "Bearer " + apiKey)
                .header("Accept", "application/json");
        try {
            if (body == null) {
                request.GET();
            } else {
                request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
            }
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode answer = parse(response.body());
            if (response.statusCode() / 100 != 2) {
                JsonNode error = answer.path("errors").path(0);
                throw new CallControlException(response.statusCode(), error.path("code").asText(""),
                        "Telnyx refused " + method + " " + templated(path) + " with "
                                + response.statusCode() + " " + error.path("title").asText("") + " (code "
                                + error.path("code").asText("none") + ")");
            }
            return answer;
        } catch (java.net.ConnectException e) {
            throw new CallControlException(CallControlException.UNREACHABLE, "unreachable", "could not connect to Telnyx for "
                    + method + " " + templated(path) + ": nothing was sent");
        } catch (IOException e) {
            throw new CallControlException(0, "no_response", "no answer from Telnyx to " + method + " " + templated(path)
                    + ": " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallControlException(0, "interrupted", "interrupted while waiting for Telnyx");
        }
    }

    private JsonNode parse(byte[] body) {
        try {
            return body.length == 0 ? json.createObjectNode() : json.readTree(body);
        } catch (IOException e) {
            return json.createObjectNode();
        }
    }

    /** The path with the call's id left out: errors and logs name the command, not the call. */
    private static String templated(String path) {
        return path.replaceAll("/v2/calls/[^/]+", "/v2/calls/{id}");
    }

    private static String path(String id) {
        return java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8);
    }
}
