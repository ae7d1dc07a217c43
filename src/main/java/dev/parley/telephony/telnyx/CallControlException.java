package dev.parley.telephony.telnyx;

/**
 * Telnyx refused a command: its HTTP status and the first entry of its documented error body
 * ({@code {"errors": [{"code", "title", "detail"}]}}). Never carries the request or its key.
 *
 * @param status 0 when no response came at all (timeout, connection lost): the outcome is unknown;
 *               {@link #UNREACHABLE} when no connection could be made: nothing was sent
 */
final class CallControlException extends RuntimeException {
    /** No connection to Telnyx could be opened: the command never left, so it certainly did nothing. */
    static final int UNREACHABLE = -1;

    private final int status;
    private final String code;

    CallControlException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    /** No answer came: Telnyx may or may not have acted on the command. */
    boolean outcomeUnknown() {
        return status == 0 || status >= 500;
    }
}
