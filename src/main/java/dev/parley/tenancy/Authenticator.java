package dev.parley.tenancy;

import dev.parley.store.Ids;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place that decides who a request is: a bearer API key, the {@code organization} header it
 * must belong to, and a {@code workspace} header inside that organization (the seed contract's three
 * headers). Every failure is a 401 whose message says which header to fix.
 *
 * <p>Known keys and workspaces are cached briefly so that the hot create-call path does not pay two
 * extra queries; a revoked key stops working within {@link #KEY_TTL}. Unknown ones are never cached,
 * so the cache cannot be grown by guessing.
 */
public final class Authenticator {
    static final Duration KEY_TTL = Duration.ofSeconds(30);
    private static final int MAX_CACHED = 10_000;

    private final TenancyStore store;
    private final InstantSource clock;
    private final Map<String, Cached> keys = new ConcurrentHashMap<>();
    private final Map<String, String> workspaceOrg = new ConcurrentHashMap<>();

    private record Cached(TenancyStore.StoredKey key, long expiresAtMillis) {}

    public Authenticator(TenancyStore store, InstantSource clock) {
        this.store = store;
        this.clock = clock;
    }

    public Tenant authenticate(String authorization, String organization, String workspace) {
        String organizationId = requireHeader(organization, "organization", "your organization id");
        String workspaceId = requireHeader(workspace, "workspace", "your workspace id");
        String token = bearerToken(authorization);
        ApiKeys.Presented presented = ApiKeys.parse(token)
                .orElseThrow(() -> new AuthException("The API key in the Authorization header is not a Parley key"
                        + " (they look like prl_<16 hex>_<43 characters>); use a key printed by 'parley init'"));
        TenancyStore.StoredKey key = lookup(presented.keyId())
                .filter(k -> ApiKeys.matches(presented.secretSha256(), k.secretSha256()))
                .orElseThrow(() -> new AuthException("The API key is not valid: check that it was copied whole,"
                        + " or issue a new one with 'parley init'"));
        if (key.revoked()) {
            throw new AuthException("The API key has been revoked; issue a new one with 'parley init'");
        }
        if (!key.organizationId().equals(organizationId)) {
            throw new AuthException("The organization header does not match the API key's organization;"
                    + " send the organization id the key was issued for");
        }
        if (!Ids.isValid(workspaceId) || !organizationId.equals(organizationOf(workspaceId))) {
            throw new AuthException("Unknown workspace '" + printable(workspaceId) + "' for this organization;"
                    + " send the id of one of its workspaces in the workspace header");
        }
        return new Tenant(organizationId, workspaceId);
    }

    private Optional<TenancyStore.StoredKey> lookup(String keyId) {
        long now = clock.millis();
        Cached cached = keys.get(keyId);
        if (cached != null && cached.expiresAtMillis() > now) {
            return Optional.of(cached.key());
        }
        Optional<TenancyStore.StoredKey> found = store.findKey(keyId);
        found.ifPresent(k -> {
            if (keys.size() >= MAX_CACHED) {
                keys.clear();
            }
            keys.put(keyId, new Cached(k, now + KEY_TTL.toMillis()));
        });
        return found;
    }

    /** Workspaces never move between organizations, so a found owner is cached for good. */
    private String organizationOf(String workspaceId) {
        String org = workspaceOrg.get(workspaceId);
        if (org != null) {
            return org;
        }
        Optional<String> found = store.workspaceOrganization(workspaceId);
        found.ifPresent(o -> {
            if (workspaceOrg.size() >= MAX_CACHED) {
                workspaceOrg.clear();
            }
            workspaceOrg.put(workspaceId, o);
        });
        return found.orElse(null);
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
