package dev.parley.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.ai.BaseUrlPolicy;
import dev.parley.ai.KeyedProvider;
import dev.parley.ai.Origin;
import dev.parley.ai.ProviderKeys;
import dev.parley.assistant.AssistantConfigJson;
import dev.parley.config.ParleyConfig;
import dev.parley.error.JsonFields;
import dev.parley.error.Problem;
import dev.parley.tenancy.AuthException;
import dev.parley.tenancy.SecretBox;
import dev.parley.tenancy.Tenant;
import java.net.URI;
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
 * <p>Nor to a server they were not meant for. A workspace has one key per provider, for the
 * provider's own service unless it was set with a {@code base_url}: then for that server alone
 * (scheme, host and port), and never for the provider's own. The node's keys are for the
 * provider's own service only. So an assistant whose {@code base_url} names some other server
 * sends it no key, and cannot be used to read one.
 *
 * <p>No cache: a call looks its keys up once, when its providers are built, with one primary-key
 * query each, so a key deleted on any node is never used by a call placed after the delete.
 */
public final class ProviderCredentials implements ProviderKeys {
    private static final Set<String> BODY_FIELDS = Set.of("api_key", "base_url");

    private final CredentialStore store;
    private final SecretBox secrets;
    private final Map<KeyedProvider, String> nodeKeys;
    private final BaseUrlPolicy baseUrls;

    public ProviderCredentials(Jdbi jdbi, SecretBox secrets, ParleyConfig.Providers config) {
        this.store = new CredentialStore(jdbi);
        this.secrets = secrets;
        this.nodeKeys = config.apiKeys();
        this.baseUrls = new BaseUrlPolicy(config);
    }

    /** Where a workspace's key for one provider comes from. */
    public enum Source { workspace, node, none }

    /**
     * What the API shows of one provider's key: whether and when it was set, and where it may be
     * sent ({@code baseUrl}; empty for the provider's own service), never the key.
     */
    public record Status(KeyedProvider provider, Optional<Instant> setAt, Optional<String> baseUrl, boolean nodeKey) {
        public Source source() {
            return setAt.isPresent() ? Source.workspace : nodeKey ? Source.node : Source.none;
        }
    }

    @Override
    public Optional<String> key(String workspaceId, String provider, URI target) {
        Optional<KeyedProvider> p = KeyedProvider.of(provider);
        Optional<Origin> to = Origin.of(target);
        if (p.isEmpty() || to.isEmpty()) {
            return Optional.empty();
        }
        Optional<CredentialStore.Sealed> own = store.sealedKey(workspaceId, p.get().name());
        if (p.get().isOwn(target)) {
            // A key scoped to another server is not for this one; the node's serves any workspace here.
            return own.filter(k -> k.baseUrl().isEmpty()).map(k -> secrets.open(k.key()))
                    .or(() -> Optional.ofNullable(nodeKeys.get(p.get())));
        }
        return own.filter(k -> k.baseUrl().flatMap(Origin::of).equals(to)).map(k -> secrets.open(k.key()));
    }

    /** The providers this node has a key for: a workspace without its own may still call them. */
    public Set<String> nodeKeyProviders() {
        return nodeKeys.keySet().stream().map(Enum::name).collect(Collectors.toUnmodifiableSet());
    }

    /** Every provider that takes a key, in {@link KeyedProvider}'s order. */
    public List<Status> list(Tenant tenant) {
        Map<String, CredentialStore.Row> set = store.rows(tenant.workspaceId()).stream()
                .collect(Collectors.toMap(CredentialStore.Row::provider, r -> r));
        List<Status> out = new ArrayList<>();
        for (KeyedProvider p : KeyedProvider.values()) {
            Optional<CredentialStore.Row> row = Optional.ofNullable(set.get(p.name()));
            out.add(new Status(p, row.map(CredentialStore.Row::updatedAt), row.flatMap(CredentialStore.Row::baseUrl),
                    nodeKeys.containsKey(p)));
        }
        return out;
    }

    /** Sets or replaces the workspace's key (and its scope) from {@code {"api_key": "...", "base_url": "..."}}. */
    public Status put(Tenant tenant, String provider, JsonNode body) {
        KeyedProvider p = provider(provider);
        ObjectNode o = JsonFields.object(body, "");
        JsonFields.rejectUnknown(o, "", BODY_FIELDS);
        String key = JsonFields.requiredString(o, "api_key", "", KeyedProvider.MAX_KEY_LENGTH);
        KeyedProvider.whyNotAKey(key).ifPresent(why -> {
            throw Problem.invalid("api_key", "'api_key' " + why);
        });
        Optional<String> baseUrl = JsonFields.optionalString(o, "base_url", "", 2_000).map(u -> scope(p, u));
        Instant at = store.put(tenant.workspaceId(), p.name(), secrets.seal(key), baseUrl).orElseThrow(() -> new AuthException(
                "The workspace in the workspace header has been deleted; GET /v1/admin/workspaces lists the live ones"));
        return new Status(p, Optional.of(at), baseUrl, nodeKeys.containsKey(p));
    }

    /**
     * A server a key may be scoped to: one an assistant's {@code base_url} could name. The
     * provider's own service is refused: a scoped key never goes there, so the request would set
     * a key that no call uses.
     */
    private String scope(KeyedProvider p, String url) {
        String checked = baseUrls.checkAccepted("base_url", AssistantConfigJson.checkWebhookUrl("base_url", url));
        if (p.isOwn(URI.create(checked))) {
            throw Problem.invalid("base_url", "'base_url' is " + p.name() + "'s own service; leave base_url out to set the key"
                    + " for it");
        }
        return checked;
    }

    /** Removes the workspace's key; the node's, if it has one, applies from then on. */
    public Status delete(Tenant tenant, String provider) {
        KeyedProvider p = provider(provider);
        if (!store.delete(tenant.workspaceId(), p.name())) {
            throw Problem.notFound("credential_not_found", "This workspace has no API key for " + p.name()
                    + (nodeKeys.containsKey(p) ? " (calls use the node's key, from " + p.configKey() + ")" : "")
                    + "; GET /v1/admin/credentials shows which are set");
        }
        return new Status(p, Optional.empty(), Optional.empty(), nodeKeys.containsKey(p));
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
