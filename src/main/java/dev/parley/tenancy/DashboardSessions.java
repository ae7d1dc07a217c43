package dev.parley.tenancy;

import dev.parley.error.Problem;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import org.jdbi.v3.core.Jdbi;

/**
 * The dashboard's sign-in: an API key pasted once becomes a session whose token lives in an
 * HttpOnly cookie (only its hash is stored) and whose CSRF token every change must echo in a
 * header. A session acts with its key's rights: {@link Authenticator#authenticateSession} checks the
 * key again on every request, so revoking the key or deleting a workspace ends what the session may do.
 */
public final class DashboardSessions {
    public static final Duration LIFETIME = Duration.ofHours(12);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Jdbi jdbi;
    private final TenancyStore store;
    private final InstantSource clock;

    /** What the browser gets at sign-in: the cookie's token and the CSRF token; neither is shown again except the CSRF token to its session. */
    public record Opened(String token, Session session) {}

    /** A live session: who it acts for and the CSRF token its changes must carry. */
    public record Session(String keyId, String organizationId, String organizationName, String workspaceScope,
                          String csrfToken, Instant expiresAt) {}

    public DashboardSessions(Jdbi jdbi, TenancyStore store, InstantSource clock) {
        this.jdbi = jdbi;
        this.store = store;
        this.clock = clock;
    }

    /** Signs in with an API key; refused with the same messages the API gives a bad key. */
    public Opened signIn(String apiKey) {
        if (apiKey == null || apiKey.isBlank()) {
            throw Problem.invalid("api_key", "Paste an API key to sign in (they look like prl_<16 hex>_<43 characters>;"
                    + " 'parley serve' prints one at first start, 'parley keys create' makes more)");
        }
        ApiKeys.Presented presented = ApiKeys.parse(apiKey.strip()).orElseThrow(() -> new AuthException(
                "That is not a Parley API key (they look like prl_<16 hex>_<43 characters>); paste a key printed by"
                        + " 'parley serve' at first start or 'parley keys create'"));
        TenancyStore.KeyCheck key = store.checkKey(presented.keyId(), null)
                .filter(k -> ApiKeys.matches(presented.secretSha256(), k.secretSha256()))
                .orElseThrow(() -> new AuthException("The API key is not valid: check that it was copied whole,"
                        + " or create a new one with 'parley keys create'"));
        Instant now = clock.instant();
        if (key.revoked()) {
            throw new AuthException("The API key has been revoked; sign in with another key");
        }
        if (key.expiresAt() != null && !now.isBefore(key.expiresAt())) {
            throw new AuthException("The API key expired at " + key.expiresAt() + "; sign in with another key");
        }
        String token = randomToken();
        String csrf = randomToken();
        Instant expires = now.plus(LIFETIME);
        String organizationName = jdbi.withHandle(h -> {
            h.createUpdate("DELETE FROM dashboard_sessions WHERE expires_at <= :now").bind("now", now).execute();
            h.createUpdate("""
                            INSERT INTO dashboard_sessions (token_sha256, key_id, organization_id, csrf_token, created_at, expires_at)
                            VALUES (:token, :key, :org, :csrf, :now, :expires)""")
                    .bind("token", hash(token)).bind("key", presented.keyId()).bind("org", key.organizationId())
                    .bind("csrf", csrf).bind("now", now).bind("expires", expires).execute();
            return store.organization(h, key.organizationId()).map(TenancyStore.Organization::name).orElse("");
        });
        return new Opened(token, new Session(presented.keyId(), key.organizationId(), organizationName, key.scope(), csrf, expires));
    }

    /** The session of a cookie's token, if it exists and has not expired. */
    public Optional<Session> find(String token) {
        if (token == null || token.isBlank() || token.length() > 100) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT s.key_id, s.organization_id, o.name, k.workspace_id, s.csrf_token, s.expires_at
                        FROM dashboard_sessions s JOIN organizations o ON o.id = s.organization_id
                        JOIN api_keys k ON k.key_id = s.key_id
                        WHERE s.token_sha256 = :token AND s.expires_at > :now""")
                .bind("token", hash(token)).bind("now", now)
                .map((rs, ctx) -> new Session(rs.getString(1), rs.getString(2).strip(), rs.getString(3), blankToNull(rs.getString(4)),
                        rs.getString(5), rs.getTimestamp(6).toInstant()))
                .findOne());
    }

    /** The workspaces the session's key may act in: all of its organization's, or the one it is limited to. */
    public List<TenancyStore.Workspace> workspaces(Session session) {
        return jdbi.withHandle(h -> store.workspaces(h, session.organizationId())).stream()
                .filter(ws -> session.workspaceScope() == null || ws.id().equals(session.workspaceScope()))
                .toList();
    }

    public void signOut(String token) {
        if (token != null && !token.isBlank()) {
            jdbi.useHandle(h -> h.createUpdate("DELETE FROM dashboard_sessions WHERE token_sha256 = :token")
                    .bind("token", hash(token)).execute());
        }
    }

    /** Constant time, so the answer's timing does not tell how much of a guess matched. */
    public static boolean csrfMatches(Session session, String presented) {
        return presented != null && MessageDigest.isEqual(
                presented.getBytes(StandardCharsets.UTF_8), session.csrfToken().getBytes(StandardCharsets.UTF_8));
    }

    private static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static byte[] hash(String token) {
        return ApiKeys.sha256(token);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
