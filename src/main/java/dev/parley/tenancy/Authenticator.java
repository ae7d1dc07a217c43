package dev.parley.tenancy;


import dev.parley.error.Problem;
import dev.parley.store.Ids;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place that decides who a request is: a bearer API key, the {@code organization} header it
 * must belong to, and a {@code workspace} header inside that organization (the seed contract's three
 * headers). Every failure is a 401 whose message says which header to fix.
 *
 * <p>A key revoked or a workspace deleted through any node, or by {@code parley keys revoke} with
 * no node running, must be refused by every node from the next request on, so what can change
 * (revocation, deletion) is never trusted from memory:
 * <ul>
 * <li>{@link #authenticate} reads the key and the workspace in one indexed query per request
 *     ({@link TenancyStore#checkKey}). Every route but create-call uses it.
 * <li>{@link #authenticateForWrite} serves the create-call hot path from memory, with no query:
 *     what it checks there never changes once written (the key's hash, organization, workspace
 *     limit and expiry time, a workspace's organization), and the route's one insert statement
 *     re-checks revocation, expiry and deletion in the same statement, for free
 *     ({@code CallInserts}). Measured A/B on a shared 2-core box: a query per create-call took
 *     10-25% more CPU per call and 40-65% of the ceiling; the re-check in the insert costs neither.
 * </ul>
 * The time of use is recorded in memory ({@link KeyUsage}) and written in batches, never per request.
 * The dashboard's sign-in and its session cookie go through here too ({@link #signIn}, {@link #session},
 * {@link #authenticateSession}): a key is refused for the same reasons, with the same words, whichever way it comes.
 */
public final class Authenticator {
    static final Duration KEY_TTL = Duration.ofSeconds(30);
    private static final int MAX_CACHED = 10_000;

    private final TenancyStore store;
    private final KeyUsage usage;
    private final InstantSource clock;
    private final DashboardSessions sessions;
    /** Found, unrevoked keys by id: only their unchanging facts are used (see the class comment). */
    private final Map<String, Cached> keys = new ConcurrentHashMap<>();
    /** Workspace id to its organization: never changes. Deletion is checked by the write. */
    private final Map<String, String> workspaceOrg = new ConcurrentHashMap<>();

    private record Cached(TenancyStore.KeyCheck key, long untilMillis) {}

    public Authenticator(TenancyStore store, KeyUsage usage, InstantSource clock, DashboardSessions sessions) {
        this.store = store;
        this.usage = usage;
        this.clock = clock;
        this.sessions = sessions;
    }

    /**
     * Dashboard sign-in: the pasted key checked as every route checks a key, then a session (refused
     * when the key can reach no workspace, see {@link DashboardSessions#open}).
     */
    public DashboardSessions.Opened signIn(String apiKey) {
        if (apiKey == null || apiKey.isBlank()) {
            throw Problem.invalid("api_key", "Paste an API key to sign in (they look like prl_<16 hex>_<43 characters>;"
                    + " 'parley serve' prints one at first start, 'parley keys create' makes more)");
        }
        ApiKeys.Presented presented = ApiKeys.parse(apiKey.strip()).orElseThrow(() -> new AuthException(
                "That is not a Parley API key (they look like prl_<16 hex>_<43 characters>); paste a key printed by"
                        + " 'parley serve' at first start or 'parley keys create'"));
        TenancyStore.KeyCheck key = store.checkKey(presented.keyId(), null)
                .filter(k -> ApiKeys.matches(presented.secretSha256(), k.secretSha256()))
                .orElseThrow(Authenticator::notValid);
        requireLive(key);
        usage.used(presented.keyId());
        return sessions.open(presented.keyId(), key.organizationId(), key.scope());
    }

    /**
     * The session a reloaded page asks for ({@code GET /v1/dashboard/session}): refused as any other
     * route would refuse its key (revoked, expired), else with the workspaces it may act in now.
     */
    public DashboardSessions.SignedIn session(String sessionToken) {
        DashboardSessions.Session session = sessions.find(sessionToken).orElseThrow(Authenticator::sessionEnded);
        requireLive(store.checkKey(session.keyId(), null).orElseThrow(Authenticator::notValid));
        return sessions.signedIn(session);
    }

    /**
     * A dashboard request: the session cookie instead of the Authorization header, the session's own
     * organization, the {@code workspace} header as for a key. A request that changes anything must
     * carry the session's CSRF token in {@code X-CSRF-Token} (403 otherwise): the cookie alone is
     * sent by the browser whoever made the page that asks. The key is read again, as by {@link #authenticate}.
     */
    public Tenant authenticateSession(String sessionToken, String workspace, boolean changes, String csrfToken) {
        DashboardSessions.Session session = sessions.find(sessionToken).orElseThrow(Authenticator::sessionEnded);
        if (changes && !DashboardSessions.csrfMatches(session, csrfToken)) {
            throw Problem.forbidden("csrf_token_invalid", "This change lacks the session's CSRF token: send it in the"
                    + " X-CSRF-Token header (GET /v1/dashboard/session returns it); reload the dashboard if it is open");
        }
        String workspaceId = requireHeader(workspace, "workspace", "your workspace id");
        TenancyStore.KeyCheck key = store.checkKey(session.keyId(), Ids.isValid(workspaceId) ? workspaceId : null)
                .orElseThrow(Authenticator::notValid);
        return check(session.keyId(), key, session.organizationId(), workspaceId, key.workspaceOrganization(), key.workspaceDeleted());
    }

    /** With the key and workspace read from the database now. */
    public Tenant authenticate(String authorization, String organization, String workspace) {
        String organizationId = requireHeader(organization, "organization", "your organization id");
        String workspaceId = requireHeader(workspace, "workspace", "your workspace id");
        ApiKeys.Presented presented = presented(authorization);
        TenancyStore.KeyCheck key = store.checkKey(presented.keyId(), Ids.isValid(workspaceId) ? workspaceId : null)
                .filter(k -> ApiKeys.matches(presented.secretSha256(), k.secretSha256()))
                .orElseThrow(Authenticator::notValid);
        remember(presented.keyId(), workspaceId, key);
        return check(presented.keyId(), key, organizationId, workspaceId, key.workspaceOrganization(), key.workspaceDeleted());
    }

    /**
     * For a route whose one write re-checks, in the same statement, that the key is neither revoked
     * nor expired and the workspace not deleted (create-call): no query when the key and workspace
     * were seen in the last {@link #KEY_TTL}.
     */
    public Tenant authenticateForWrite(String authorization, String organization, String workspace) {
        String organizationId = requireHeader(organization, "organization", "your organization id");
        String workspaceId = requireHeader(workspace, "workspace", "your workspace id");
        ApiKeys.Presented presented = presented(authorization);
        Cached cached = keys.get(presented.keyId());
        String owner = workspaceOrg.get(workspaceId);
        if (cached == null || cached.untilMillis() <= clock.millis() || owner == null) {
            return authenticate(authorization, organization, workspace);
        }
        if (!ApiKeys.matches(presented.secretSha256(), cached.key().secretSha256())) {
            throw notValid();
        }
        return check(presented.keyId(), cached.key(), organizationId, workspaceId, owner, false);
    }

    private Tenant check(String keyId, TenancyStore.KeyCheck key, String organizationId, String workspaceId,
                         String workspaceOrganization, boolean workspaceDeleted) {
        requireLive(key);
        if (!key.organizationId().equals(organizationId)) {
            throw new AuthException("The organization header does not match the API key's organization;"
                    + " send the organization id the key was issued for");
        }
        if (!organizationId.equals(workspaceOrganization) || workspaceDeleted) {
            throw new AuthException("Unknown workspace '" + printable(workspaceId) + "' for this organization;"
                    + " send the id of one of its workspaces in the workspace header (GET /v1/admin/workspaces lists them)");
        }
        if (key.scope() != null && !key.scope().equals(workspaceId)) {
            throw new AuthException("This API key works only in workspace " + key.scope()
                    + "; send that id in the workspace header, or use a key of the whole organization");
        }
        usage.used(keyId);
        return new Tenant(organizationId, workspaceId, keyId, key.scope() == null);
    }

    /** Revoked or expired: refused alike wherever a key or its session is used. */
    private void requireLive(TenancyStore.KeyCheck key) {
        if (key.revoked()) {
            throw new AuthException("The API key has been revoked; create a new one with POST /v1/admin/api-keys"
                    + " or 'parley keys create'");
        }
        if (key.expiresAt() != null && !clock.instant().isBefore(key.expiresAt())) {
            throw new AuthException("The API key expired at " + key.expiresAt() + "; create a new one with"
                    + " POST /v1/admin/api-keys or 'parley keys create'");
        }
    }

    /** Keeps what authenticateForWrite may use: a live key's fixed facts, a live workspace's organization. */
    private void remember(String keyId, String workspaceId, TenancyStore.KeyCheck key) {
        if (keys.size() >= MAX_CACHED) {
            keys.clear();
        }
        if (key.revoked()) {
            keys.remove(keyId);
        } else {
            keys.put(keyId, new Cached(key, clock.millis() + KEY_TTL.toMillis()));
        }
        if (key.workspaceOrganization() != null && !key.workspaceDeleted()) {
            if (workspaceOrg.size() >= MAX_CACHED) {
                workspaceOrg.clear();
            }
            workspaceOrg.put(workspaceId, key.workspaceOrganization());
        }
    }

    private static ApiKeys.Presented presented(String authorization) {
        return ApiKeys.parse(bearerToken(authorization))
                .orElseThrow(() -> new AuthException("The API key in the Authorization header is not a Parley key"
                        + " (they look like prl_<16 hex>_<43 characters>); use a key printed by 'parley init' or 'parley keys create'"));
    }

    private static AuthException sessionEnded() {
        return new AuthException("Your dashboard session has expired or was signed out; sign in again with an API key");
    }

    private static AuthException notValid() {
        return new AuthException("The API key is not valid: check that it was copied whole, or create a new one with"
                + " 'parley keys create'");
    }

    private static String requireHeader(String value, String name, String what) {
        if (value == null || value.isBlank()) {
            throw new AuthException("Missing " + name + " header: send '" + name + ": <" + what + ">'");
        }
        return value.strip();
    }

    private static String bearerToken(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw new AuthException("Missing Authorization header: send 'Authorization: Bearer <api key>'");
        }
        String value = authorization.strip();
        if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new AuthException("The Authorization header must be 'Bearer <api key>'");
        }
        return value.substring(7).strip();
    }

    /** Echo ids back only when they are short and plain, so error messages never carry odd bytes. */
    private static String printable(String s) {
        return s.length() <= 40 && s.chars().allMatch(c -> c >= 0x21 && c < 0x7f && c != '\'') ? s : "(malformed)";
    }
}
