package dev.parley.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.ai.KeyedProvider;
import dev.parley.ai.ProviderKeys;
import dev.parley.config.ParleyConfig;
import dev.parley.error.JsonFields;
import dev.parley.error.Problem;
import dev.parley.tenancy.AuthException;
import dev.parley.tenancy.SecretBox;
import dev.parley.tenancy.Tenant;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;

/**
 * Network providers' API keys: a workspace's own ({@code PUT /v1/admin/credentials/{provider}},
 * sealed at rest), else the node's ({@code providers.<name>.api.key}). Keys go only to a provider's
 * client: never into a response, a log line or an error message.
 *
 * <p>No cache: a call looks its keys up once, when its providers are built, with one primary-key
 * query each, so a key deleted on any node is never used by a call placed after the delete.
 */
public final class ProviderCredentials implements ProviderKeys {
    private static final Set<String> BODY_FIELDS = Set.of("api_key");

    private final CredentialStore store;
    private final SecretBox secrets;
    private final Map<KeyedProvider, String> nodeKeys;

    public ProviderCredentials(Jdbi jdbi, SecretBox secrets, ParleyConfig.Providers config) {
        this.store = new CredentialStore(jdbi);
        this.secrets = secrets;
        this.nodeKeys = config.apiKeys();
    }

    /** Where a workspace's key for one provider comes from. */
    public enum Source { workspace, node, none }

    /** What the API shows of one provider's key: whether and when it was set, never the key. */
    public record Status(KeyedProvider provider, Optional<Instant> setAt, boolean nodeKey) {
        public Source source() {
            return setAt.isPresent() ? Source.workspace : nodeKey ? Source.node : Source.none;
        }
    }

    @Override
    public Optional<String> key(String workspaceId, String provider) {
        Optional<KeyedProvider> p = KeyedProvider.of(provider);
        if (p.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> own = store.sealedKey(workspaceId, p.get().name()).map(secrets::open);
        return own.isPresent() ? own : Optional.ofNullable(nodeKeys.get(p.get()));
    }

    /** The providers this node has a key for: a workspace without its own may still call them. */
    public Set<String> nodeKeyProviders() {
        return nodeKeys.keySet().stream().map(Enum::name).collect(Collectors.toUnmodifiableSet());
    }

    /** Every provider that takes a key, in {@link KeyedProvider}'s order. */
    public List<Status> list(Tenant tenant) {
        Map<String, Instant> set = store.rows(tenant.workspaceId()).stream()
                .collect(Collectors.toMap(CredentialStore.Row::provider, CredentialStore.Row::updatedAt));
        List<Status> out = new ArrayList<>();
        for (KeyedProvider p : KeyedProvider.values()) {
            out.add(new Status(p, Optional.ofNullable(set.get(p.name())), nodeKeys.containsKey(p)));
        }
        return out;
    }

    /** Sets or replaces the workspace's key from {@code {"api_key": "..."}}. */
    public Status put(Tenant tenant, String provider, JsonNode body) {
        KeyedProvider p = provider(provider);
        ObjectNode o = JsonFields.object(body, "");
        JsonFields.rejectUnknown(o, "", BODY_FIELDS);
        String key = JsonFields.requiredString(o, "api_key", "", KeyedProvider.MAX_KEY_LENGTH);
        KeyedProvider.whyNotAKey(key).ifPresent(why -> {
            throw Problem.invalid("api_key", "'api_key' " + why);
        });
        Instant at = store.put(tenant.workspaceId(), p.name(), secrets.seal(key)).orElseThrow(() -> new AuthException(
                "The workspace in the workspace header has been deleted; GET /v1/admin/workspaces lists the live ones"));
        return new Status(p, Optional.of(at), nodeKeys.containsKey(p));
    }

    /** Removes the workspace's key; the node's, if it has one, applies from then on. */
    public Status delete(Tenant tenant, String provider) {
        KeyedProvider p = provider(provider);
        if (!store.delete(tenant.workspaceId(), p.name())) {
            throw Problem.notFound("credential_not_found", "This workspace has no API key for " + p.name()
                    + (nodeKeys.containsKey(p) ? " (calls use the node's key, from " + p.configKey() + ")" : "")
                    + "; GET /v1/admin/credentials shows which are set");
        }
        return new Status(p, Optional.empty(), nodeKeys.containsKey(p));
    }

    private static KeyedProvider provider(String name) {
        return KeyedProvider.of(name).orElseThrow(() -> Problem.invalid("provider", "No provider '" + shorten(name)
                + "' takes an API key; use one of: " + KeyedProvider.names()));
    }

    private static String shorten(String s) {
        String printable = s.codePoints().filter(c -> !Character.isISOControl(c))
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return printable.codePointCount(0, printable.length()) <= 40 ? printable
                : printable.substring(0, printable.offsetByCodePoints(0, 40)) + "...";
    }
}
