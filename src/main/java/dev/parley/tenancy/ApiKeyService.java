package dev.parley.tenancy;

import dev.parley.error.Problem;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * An organization's API keys: create (the token is returned this once and never stored), list
 * (never a secret), revoke. The same for the API and the CLI. A revoked key is refused by every
 * node from its next request on, since {@link Authenticator} reads keys per request.
 */
public final class ApiKeyService {
    /** Far enough for any plan, near enough that every value fits a timestamp. */
    static final java.time.Duration MAX_LIFETIME = java.time.Duration.ofDays(10 * 365);
    private final Jdbi jdbi;
    private final TenancyStore store;
    private final Runnable flushUsage;
    private final InstantSource clock;

    /** @param flushUsage writes this node's pending last-use times, so a listing shows them */
    public ApiKeyService(Jdbi jdbi, Runnable flushUsage, InstantSource clock) {
        this.jdbi = jdbi;
        this.store = new TenancyStore(jdbi);
        this.flushUsage = flushUsage;
        this.clock = clock;
    }

    /** With a node's {@link KeyUsage}, flushed before each listing. */
    public ApiKeyService(Jdbi jdbi, KeyUsage usage, InstantSource clock) {
        this(jdbi, usage::flush, clock);
    }

    public TenancyStore.IssuedKey create(String organizationId, String name, Optional<String> workspaceId,
                                         Optional<Instant> expiresAt) {
        String checked = Names.check("name", name);
        expiresAt.ifPresent(at -> {
            if (!at.isAfter(clock.instant())) {
                throw Problem.invalid("expires_at", "'expires_at' must be in the future (it is " + at
                        + "); leave it out for a key that does not expire");
            }
            if (at.isAfter(clock.instant().plus(MAX_LIFETIME))) {
                throw Problem.invalid("expires_at", "'expires_at' may be at most " + MAX_LIFETIME.toDays() / 365
                        + " years ahead; leave it out for a key that does not expire");
            }
        });
        Optional<String> scope = workspaceId.map(id -> Workspaces.checkId("workspace_id", id));
        return jdbi.inTransaction(h -> {
            if (scope.isPresent() && store.lockWorkspace(h, organizationId, scope.get()).isEmpty()) {
                throw Problem.invalid("workspace_id", "No workspace " + scope.get() + " in this organization;"
                        + " GET /v1/admin/workspaces lists them");
            }
            return store.issueKey(h, organizationId, checked, scope, expiresAt);
        });
    }

    public List<TenancyStore.ApiKey> list(String organizationId) {
        flushUsage.run();
        return jdbi.withHandle(h -> store.keys(h, organizationId));
    }

    public TenancyStore.ApiKey revoke(String organizationId, String keyId) {
        String id = checkId(keyId);
        return jdbi.inTransaction(h -> store.revokeKey(h, organizationId, id)).orElseThrow(() -> Problem.notFound(
                "api_key_not_found", "No API key " + id + " in this organization; GET /v1/admin/api-keys lists them"));
    }

    /** A key's id is the 16 hexadecimal characters after {@code prl_}; the whole key is accepted too. */
    static String checkId(String raw) {
        String s = raw == null ? "" : raw.strip();
        if (s.startsWith("prl_") && s.length() >= 20) {
            s = s.substring(4, 20);
        }
        if (s.length() != 16 || !s.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
            throw Problem.invalid("id", "An API key id is the 16 hexadecimal characters after prl_ in the key"
                    + " (GET /v1/admin/api-keys lists them)");
        }
        return s;
    }
}
