package dev.parley.tenancy;

import dev.parley.store.Ids;
import java.time.Instant;
import java.time.InstantSource;

/**
 * The one place that decides who a request is: a bearer API key, the {@code organization} header it
 * must belong to, and a {@code workspace} header inside that organization (the seed contract's three
 * headers). Every failure is a 401 whose message says which header to fix.
 *
 * <p>Nothing is cached: each request reads its key and its workspace in one indexed query
 * ({@link TenancyStore#checkKey}), so a key revoked or a workspace deleted through any node, or by
 * {@code parley keys revoke} with no node involved, is refused by every node from the next request
 * on. A cache would need that query anyway to learn of revocations at once. The time of use is
 * recorded in memory ({@link KeyUsage}) and written in batches, never per request.
 */
public final class Authenticator {
    private final TenancyStore store;
    private final KeyUsage usage;
    private final InstantSource clock;

    public Authenticator(TenancyStore store, KeyUsage usage, InstantSource clock) {
        this.store = store;
        this.usage = usage;
        this.clock = clock;
    }

    public Tenant authenticate(String authorization, String organization, String workspace) {
        String organizationId = requireHeader(organization, "organization", "your organization id");
        String workspaceId = requireHeader(workspace, "workspace", "your workspace id");
        String token = bearerToken(authorization);
        ApiKeys.Presented presented = ApiKeys.parse(token)
                .orElseThrow(() -> new AuthException("The API key in the Authorization header is not a Parley key"
                        + " (they look like prl_<16 hex>_<43 characters>); use a key printed by 'parley init' or 'parley keys create'"));
        TenancyStore.KeyCheck key = store.checkKey(presented.keyId(), Ids.isValid(workspaceId) ? workspaceId : null)
                .filter(k -> ApiKeys.matches(presented.secretSha256(), k.secretSha256()))
                .orElseThrow(() -> new AuthException("The API key is not valid: check that it was copied whole,"
                        + " or create a new one with 'parley keys create'"));
        if (key.revoked()) {
            throw new AuthException("The API key has been revoked; create a new one with POST /v1/admin/api-keys"
                    + " or 'parley keys create'");
        }
        Instant now = clock.instant();
        if (key.expiresAt() != null && !now.isBefore(key.expiresAt())) {
            throw new AuthException("The API key expired at " + key.expiresAt() + "; create a new one with"
                    + " POST /v1/admin/api-keys or 'parley keys create'");
        }
        if (!key.organizationId().equals(organizationId)) {
            throw new AuthException("The organization header does not match the API key's organization;"
                    + " send the organization id the key was issued for");
        }
        if (!organizationId.equals(key.workspaceOrganization()) || key.workspaceDeleted()) {
            throw new AuthException("Unknown workspace '" + printable(workspaceId) + "' for this organization;"
                    + " send the id of one of its workspaces in the workspace header (GET /v1/admin/workspaces lists them)");
        }
        if (key.scope() != null && !key.scope().equals(workspaceId)) {
            throw new AuthException("This API key works only in workspace " + key.scope()
                    + "; send that id in the workspace header, or use a key of the whole organization");
        }
        usage.used(presented.keyId());
        return new Tenant(organizationId, workspaceId, presented.keyId(), key.scope() == null);
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
