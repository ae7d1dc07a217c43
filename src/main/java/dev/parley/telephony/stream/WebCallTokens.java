package dev.parley.telephony.stream;

import java.time.Instant;
import java.util.Optional;

/**
 * What a browser's token is checked against: the web call's stored SHA-256 of its token (the token
 * itself was shown once, in the create response) and the time by which it must join. Read from the
 * database, so whichever node the browser reaches can check it.
 */
public interface WebCallTokens {
    /** The web call {@code callId}; empty when there is none (a phone call's id finds none either). */
    Optional<Stored> find(String callId);

    /** @param over the call has a final status: nothing can join it any more */
    record Stored(byte[] tokenSha256, Instant joinBy, boolean over) {}
}
