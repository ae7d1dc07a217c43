package dev.parley.call;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.error.Problem;
import dev.parley.tenancy.Tenant;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Calls from a browser (issue 16): accepted through {@link CallService} like any call, so the
 * assistant's checks, idempotency, the daily caps and the workspace's concurrency count them too,
 * with a token the browser joins with instead of a number to dial.
 *
 * <p>The token is 32 random bytes, shown once in the create response; the call row keeps only its
 * SHA-256 and the time by which the browser must join (the {@code join} window, two minutes by
 * default), so any node can check a browser and nobody who reads the database can join. Nothing
 * logs it. A replay of the create with its {@code Idempotency-Key} gets the same call and a new token
 * (the first response never arrived, so neither did its token), with the same deadline, while the
 * call still waits for its browser; once joined or over, the replay is refused.
 */
public final class WebCalls {
    private final CallService calls;
    private final Jdbi jdbi;
    private final Duration join;
    private final Optional<URI> publicUrl;
    private final InstantSource clock;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param join how long a browser has to join a call once it was accepted
     * @param publicUrl {@code public.url}: where browsers reach the node, when set (else the request's own address)
     */
    public WebCalls(CallService calls, Jdbi jdbi, Duration join, Optional<URI> publicUrl, InstantSource clock) {
        this.calls = calls;
        this.jdbi = jdbi;
        this.join = join;
        this.publicUrl = publicUrl;
        this.clock = clock;
    }

    /** A web call as its creator sees it, once: the token is in this answer only. */
    public record Issued(String callId, String assistantId, String token, Instant expiresAt, boolean replayed) {}

    /** What a browser's token is checked against; {@code over} once the call has a final status. */
    public record Ticket(byte[] tokenSha256, Instant joinBy, boolean over) {}

    public Issued create(Tenant tenant, JsonNode body, Optional<String> idempotencyKey) {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Instant joinBy = clock.instant().plus(join).truncatedTo(ChronoUnit.MICROS); // as PostgreSQL keeps it
        CreateCallRequest request = CreateCallRequest.parseWeb(body, new CreateCallRequest.Callee.Web(sha256(token), joinBy));
        CallService.Accepted accepted = calls.create(tenant, request, idempotencyKey);
        if (accepted.replayed()) {
            joinBy = reissue(tenant.workspaceId(), accepted.callId(), sha256(token)).orElseThrow(() -> Problem.conflict(
                    "web_call_started", "The web call " + accepted.callId() + " created with this Idempotency-Key was already"
                    + " joined or has ended, so it has no token to give again; create a new web call with a new key"));
        }
        return new Issued(accepted.callId(), request.assistantId(), token, joinBy, accepted.replayed());
    }

    /** A new token for a web call still waiting for its browser; the deadline stays (the dialer's ring timer has it). */
    private Optional<Instant> reissue(String workspaceId, String callId, byte[] tokenSha256) {
        return jdbi.withHandle(h -> h.createQuery("""
                        UPDATE calls SET web_token_sha256 = :hash
                         WHERE id = :id AND workspace_id = :ws AND channel = 'web' AND status IN ('queued', 'ringing')
                           AND web_join_by > now()
                        RETURNING web_join_by""")
                .bind("hash", tokenSha256).bind("id", callId).bind("ws", workspaceId)
                .mapTo(Instant.class).findOne());
    }

    /** The web call's stored token hash and deadline; empty for any other id. One primary-key read. */
    public static Optional<Ticket> ticket(Jdbi jdbi, String callId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT web_token_sha256, web_join_by, status FROM calls WHERE id = :id AND channel = 'web'""")
                .bind("id", callId)
                .map((rs, ctx) -> new Ticket(rs.getBytes(1), rs.getTimestamp(2).toInstant(),
                        CallStatus.fromWire(rs.getString(3)).orElseThrow().isFinal()))
                .findOne());
    }

    /** Where browsers reach this node, when {@code public.url} says. */
    public Optional<URI> publicUrl() {
        return publicUrl;
    }

    /** What the call keeps of its token, and what a browser's token is compared with: the one rule. */
    public static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
