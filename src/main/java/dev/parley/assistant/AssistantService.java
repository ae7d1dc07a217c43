package dev.parley.assistant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.ai.BaseUrlPolicy;
import dev.parley.ai.tools.Tool;
import dev.parley.error.JsonFields;
import dev.parley.error.Problem;
import dev.parley.store.Ids;
import dev.parley.store.Page;
import dev.parley.tenancy.Tenant;
import dev.parley.webhook.WebhookUrlPolicy;
import java.time.InstantSource;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Create, read, change and delete assistants, always inside the caller's workspace. */
public final class AssistantService {
    private static final Set<String> TOP_LEVEL = Set.of("name", "config", "enabled");
    private static final int MAX_NAME = 200;

    private final AssistantStore store;
    private final WebhookUrlPolicy webhookUrls;
    private final BaseUrlPolicy baseUrls;
    private final InstantSource clock;

    public AssistantService(AssistantStore store, WebhookUrlPolicy webhookUrls, BaseUrlPolicy baseUrls, InstantSource clock) {
        this.store = store;
        this.webhookUrls = webhookUrls;
        this.baseUrls = baseUrls;
        this.clock = clock;
    }

    /** What the config parser cannot check, having no node settings: where its URLs may point. */
    private AssistantConfig checked(AssistantConfig config) {
        config.webhookUrl().ifPresent(u -> webhookUrls.checkAccepted("config.webhook_url", u));
        for (AssistantConfig.ProviderUse use : config.networkProviders()) {
            use.baseUrl().ifPresent(u -> baseUrls.checkAccepted(use.field() + ".base_url", u));
        }
        List<Tool> tools = config.tools();
        for (int i = 0; i < tools.size(); i++) {
            if (tools.get(i) instanceof Tool.Function f) {
                webhookUrls.checkAccepted("config.tool_config[" + i + "].url", f.url().toString());
            }
        }
        return config;
    }

    public Assistant create(Tenant tenant, JsonNode body) {
        ObjectNode root = JsonFields.object(body, "");
        JsonFields.rejectUnknown(root, "", TOP_LEVEL);
        String name = name(JsonFields.requiredString(root, "name", "", MAX_NAME));
        boolean enabled = JsonFields.optionalBoolean(root, "enabled", "").orElse(true);
        AssistantConfig config = checked(AssistantConfigJson.parse(root.get("config")));
        var now = clock.instant();
        Assistant a = new Assistant(Ids.next(), tenant.workspaceId(), name, enabled, config, now, now);
        store.insert(a);
        return a;
    }

    public Assistant get(Tenant tenant, String id) {
        return store.find(tenant.workspaceId(), checkId(id)).orElseThrow(() -> notFound(id));
    }

    public Page<Assistant> list(Tenant tenant, int limit, String cursor) {
        long before = Page.decodeCursor(cursor);
        List<AssistantStore.Row> rows = store.page(tenant.workspaceId(), before, limit + 1);
        boolean more = rows.size() > limit;
        List<AssistantStore.Row> shown = more ? rows.subList(0, limit) : rows;
        String next = more ? Page.encodeCursor(shown.get(shown.size() - 1).seq()) : null;
        return new Page<>(shown.stream().map(AssistantStore.Row::assistant).toList(), next);
    }

    /**
     * A JSON merge patch (RFC 7386) over {@code name}, {@code enabled} and {@code config}: fields
     * present replace, nested objects merge, {@code null} resets a config field to its default
     * ({@code calling_window} aside: null there means no calling hours, {@code "workspace"} goes back to
     * the workspace's). The result is validated whole, as on create.
     */
    public Assistant patch(Tenant tenant, String id, JsonNode body) {
        ObjectNode patch = JsonFields.object(body, "");
        JsonFields.rejectUnknown(patch, "", TOP_LEVEL);
        Assistant current = get(tenant, id);
        String name = patch.has("name") ? name(JsonFields.requiredString(patch, "name", "", MAX_NAME)) : current.name();
        boolean enabled = patch.has("enabled")
                ? JsonFields.optionalBoolean(patch, "enabled", "").orElseThrow(
                        () -> Problem.invalid("enabled", "'enabled' must be true or false, not null"))
                : current.enabled();
        AssistantConfig config = current.config();
        if (patch.has("config")) {
            ObjectNode merged = AssistantConfigJson.write(current.config());
            ObjectNode configPatch = JsonFields.object(patch.get("config"), "config");
            forgetSettingsOfReplacedProviders(merged, configPatch);
            mergePatch(merged, configPatch);
            if (configPatch.has("calling_window") && configPatch.get("calling_window").isNull()) {
                merged.putNull("calling_window"); // null means no calling hours here, not "back to the default"
            }
            config = checked(AssistantConfigJson.parse(merged));
        }
        Assistant updated = new Assistant(current.id(), current.workspaceId(), name, enabled, config,
                current.createdAt(), clock.instant());
        if (!store.update(updated)) {
            throw notFound(id);
        }
        return updated;
    }

    public void delete(Tenant tenant, String id) {
        if (!store.delete(tenant.workspaceId(), checkId(id))) {
            throw notFound(id);
        }
    }

    /**
     * A model, voice or voiceId belongs to its provider: when a patch switches {@code model},
     * {@code transcriber} or {@code voice} to another provider, what it does not give anew starts from
     * the new provider's defaults instead of keeping the old provider's names (an ElevenLabs voice id
     * means nothing to OpenAI).
     */
    private static void forgetSettingsOfReplacedProviders(ObjectNode current, ObjectNode patch) {
        for (String part : List.of("model", "transcriber", "voice")) {
            if (patch.get(part) instanceof ObjectNode p && p.get("provider") instanceof JsonNode provider && provider.isTextual()
                    && current.get(part) instanceof ObjectNode c && !provider.asText().equals(c.path("provider").asText())) {
                current.remove(part);
            }
        }
    }

    private static void mergePatch(ObjectNode target, ObjectNode patch) {
        Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
        while (fields.hasNext()) {
            var e = fields.next();
            JsonNode value = e.getValue();
            if (value.isNull()) {
                target.remove(e.getKey());
            } else if (value.isObject() && target.get(e.getKey()) instanceof ObjectNode existing
                    && !e.getKey().equals("metadata")) {
                mergePatch(existing, (ObjectNode) value);
            } else {
                target.set(e.getKey(), value);
            }
        }
    }

    private static String name(String raw) {
        String name = raw.strip();
        if (name.isEmpty()) {
            throw Problem.invalid("name", "'name' must not be empty");
        }
        return name;
    }

    /** Ids are case-insensitive hex; a malformed one is a 400, not a 404, so typos are told apart from absences. */
    public static String checkId(String id) {
        String lower = id == null ? "" : id.strip().toLowerCase(Locale.ROOT);
        if (!Ids.isValid(lower)) {
            throw Problem.invalid("assistant_id", "An assistant id is 24 hexadecimal characters, like 68c128a658cd7d0668bce78d");
        }
        return lower;
    }

    private static Problem notFound(String id) {
        return Problem.notFound("assistant_not_found",
                "No assistant " + checkId(id) + " in this workspace; list them with GET /v1/admin/assistant");
    }
}
