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

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The dashboard's sign-in: an API key pasted once becomes a session whose token lives in an
 * HttpOnly cookie (only its hash is stored) and whose CSRF token every change must echo in a
 * header. A session acts with its key's rights: {@link Authenticator} checks the key again on every
 * request, the session's own GET included, so revoking the key or deleting a workspace ends what the
 * session may do.
 */
public final class DashboardSessions {
    public static final Duration LIFETIME = Duration.ofHours(12);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Jdbi jdbi;
    private final TenancyStore store;
    private final InstantSource clock;

    /** What the browser gets at sign-in: the cookie's token and the session; only the CSRF token is ever shown again, to its session. */
    public record Opened(String token, SignedIn signedIn) {}

    /** A live session: who it acts for and the CSRF token its changes must carry. */
    public record Session(String keyId, String organizationId, String organizationName, String workspaceScope,
                          String csrfToken, Instant expiresAt) {}

    /** A session with the workspaces its key may act in: never none (see {@link #reachable}). */
    public record SignedIn(Session session, List<TenancyStore.Workspace> workspaces) {}

    public DashboardSessions(Jdbi jdbi, TenancyStore store, InstantSource clock) {
        this.jdbi = jdbi;
        this.store = store;
        this.clock = clock;
    }

    /**
     * Opens a session for a key {@link Authenticator#signIn} has checked. A key that can reach no
     * workspace is refused here rather than let in: every page needs one, and the first request
     * would end the session with nothing said.
     */
    Opened open(String keyId, String organizationId, String workspaceScope) {
        String token = randomToken();
        String csrf = randomToken();
        Instant now = clock.instant();
        Instant expires = now.plus(LIFETIME);
        return jdbi.withHandle(h -> {
            List<TenancyStore.Workspace> workspaces = reachable(h, organizationId, workspaceScope);
            h.createUpdate("DELETE FROM dashboard_sessions WHERE expires_at <= :now").bind("now", now).execute();
            h.createUpdate("""
                            INSERT INTO dashboard_sessions (token_sha256, key_id, organization_id, csrf_token, created_at, expires_at)
                            VALUES (:token, :key, :org, :csrf, :now, :expires)""")
                    .bind("token", hash(token)).bind("key", keyId).bind("org", organizationId)
                    .bind("csrf", csrf).bind("now", now).bind("expires", expires).execute();
            String organizationName = store.organization(h, organizationId).map(TenancyStore.Organization::name).orElse("");
            return new Opened(token, new SignedIn(
                    new Session(keyId, organizationId, organizationName, workspaceScope, csrf, expires), workspaces));
        });
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

    /** The session with the workspaces it may act in now; refused (403) when there is none left. */
    SignedIn signedIn(Session session) {
        return new SignedIn(session, jdbi.withHandle(h -> reachable(h, session.organizationId(), session.workspaceScope())));
    }

    /** All of the organization's live workspaces, or the one a key is limited to while it lives. */
    private List<TenancyStore.Workspace> reachable(Handle h, String organizationId, String workspaceScope) {
        List<TenancyStore.Workspace> workspaces = store.workspaces(h, organizationId).stream()
                .filter(ws -> workspaceScope == null || ws.id().equals(workspaceScope))
                .toList();
        if (!workspaces.isEmpty()) {
            return workspaces;
        }
        throw Problem.forbidden("no_workspace", workspaceScope != null
                ? "The workspace this API key is limited to (" + workspaceScope + ") has been deleted: sign in with a key"
                        + " of the whole organization, or with one made for another workspace ('parley keys create --workspace ID')"
                : "This organization has no workspace, so the dashboard has nothing to show: create one with"
                        + " 'parley workspaces create NAME --organization " + organizationId + "', then sign in again");
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
