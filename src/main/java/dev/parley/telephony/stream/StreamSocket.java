package dev.parley.telephony.stream;

import java.nio.ByteBuffer;

/**
 * The carrier's WebSocket as the stream stage sees it; the HTTP layer adapts its server's
 * sessions to this, so this package knows nothing of the web framework.
 */
public interface StreamSocket {
    /** Queues a text message without blocking; {@code done} runs once it was written or failed. */
    void send(String text, Runnable done);

    /** Queues a binary message (a browser's audio) likewise; the buffer is not touched after the call. */
    void send(ByteBuffer bytes, Runnable done);

    /** Closes with a WebSocket status code (RFC 6455 7.4.1); the reason must hold no secret. */
    void close(int code, String reason);

    /** RFC 6455 close codes the stage uses. */
    int NORMAL = 1000;
    int UNSUPPORTED = 1003;
    int POLICY = 1008;
}
