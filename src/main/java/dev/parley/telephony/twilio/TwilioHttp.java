package dev.parley.telephony.twilio;

import com.twilio.constant.EnumConstants;
import com.twilio.exception.ApiConnectionException;
import com.twilio.http.HttpClient;
import com.twilio.http.HttpMethod;
import com.twilio.http.Request;
import com.twilio.http.Response;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The transport under Twilio's SDK: the SDK builds each request (path, form, Basic auth) and reads
 * each response; this sends it to {@code twilio.api.url} (Twilio's own API, or a fake on loopback in
 * tests) over the JDK's client, with a time limit.
 *
 * <p>It never retries: the SDK's own client re-sends on some answers, and a re-sent create would
 * place a second call. A request whose answer did not come in time is reported as {@link InDoubt}
 * (Twilio may have acted on it); one that never reached Twilio (connection refused) as a plain
 * {@link ApiConnectionException}.
 */
final class TwilioHttp extends HttpClient {
    private final java.net.http.HttpClient client;
    private final URI base;
    private final Duration timeout;

    TwilioHttp(URI base, Duration timeout) {
        this.base = base;
        this.timeout = timeout;
        this.client = java.net.http.HttpClient.newBuilder().connectTimeout(timeout)
                .followRedirects(java.net.http.HttpClient.Redirect.NEVER).build();
    }

    /** The request may have reached Twilio, whose answer did not come in time. */
    static final class InDoubt extends ApiConnectionException {
        InDoubt(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public Response makeRequest(Request request) {
        URL url = request.constructURL();
        String path = url.getPath() + (url.getQuery() == null ? "" : "?" + url.getQuery());
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .header("Accept", "application/json").header("User-Agent", "Parley twilio-java");
        if (request.requiresAuthentication()) {
            b.header("Authorization", request.getAuthString());
        }
        for (Map.Entry<String, List<String>> h : request.getHeaderParams().entrySet()) {
            h.getValue().forEach(v -> b.header(h.getKey(), v));
        }
        HttpMethod method = request.getMethod();
        if (method == HttpMethod.POST || method == HttpMethod.PUT) {
            boolean json = request.getContentType() == EnumConstants.ContentType.JSON;
            b.header("Content-Type", json ? "application/json" : "application/x-www-form-urlencoded");
            b.method(method.toString(), HttpRequest.BodyPublishers.ofString(json ? request.getBody() : request.encodeFormBody()));
        } else {
            b.method(method.toString(), HttpRequest.BodyPublishers.noBody());
        }
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.body(), r.statusCode());
        } catch (HttpConnectTimeoutException | ConnectException e) {
            throw new ApiConnectionException("could not connect to Twilio at " + base + ": " + e.getClass().getSimpleName(), e);
        } catch (HttpTimeoutException e) {
            throw new InDoubt("Twilio did not answer " + method + " " + url.getPath() + " within " + timeout.toMillis() + " ms", e);
        } catch (IOException e) {
            throw new InDoubt("the connection to Twilio failed during " + method + " " + url.getPath() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InDoubt("interrupted while waiting for Twilio", e);
        }
    }

    /** Never a second attempt: see the class comment. */
    @Override
    protected boolean shouldRetry(Response response, int[] retryCodes) {
        return false;
    }
}
