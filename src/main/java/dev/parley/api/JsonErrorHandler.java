package dev.parley.api;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers before a request reaches the API (a malformed request line, headers too
 * large): the same JSON envelope instead of Jetty's HTML page, and never a stack trace.
 */
final class JsonErrorHandler extends ErrorHandler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus() <= 0 ? 500 : response.getStatus();
        String message = status == 431 ? "The request headers are too large"
                : status >= 500 ? "Parley failed to handle this request"
                // Jetty hands us a stand-in request (/badMessage): what was wrong is not known here.
                : "The HTTP request is malformed: check its request line and headers (NUL characters, %00, are not allowed in a path)";
        String body = "{\"success\":false,\"message\":\"" + message + "\",\"error\":{\"code\":\"http_" + status + "\"}}";
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        // Jetty drops the connection after such an error (the rest of the request cannot be trusted);
        // saying so keeps clients from sending their next request on it and losing it.
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
        return true;
    }
}
