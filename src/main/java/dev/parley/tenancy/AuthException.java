package dev.parley.tenancy;

/** The request could not be tied to an organization and workspace; the message says what to fix. */
public final class AuthException extends RuntimeException {
    public AuthException(String message) {
        super(message, null, false, false);
    }
}
