package dev.parley.tenancy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.assistant.AssistantConfigJson;
import dev.parley.error.JsonFields;
import dev.parley.error.Problem;
import dev.parley.safeguards.CallingHours;
import dev.parley.safeguards.CallingWindow;
import dev.parley.safeguards.DailyCaps;
import dev.parley.safeguards.Destinations;
import dev.parley.safeguards.OptOutRules;
import dev.parley.webhook.WebhookUrlPolicy;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * A workspace's settings: call limits, the default webhook URL, the webhook signing secrets, and
 * the safeguards of issue 14 ({@code allowed_countries}, {@code blocked_number_types},
 * {@code opt_out}; {@code null} opt_out means Parley's defaults; {@code calling_window}, {@code null}
 * for none, and {@code calling_window_applies_to_sandbox}), its daily caps and how much of each
 * limit is in use now.
 * Rotating the secret keeps the previous one valid for {@link #ROTATION_OVERLAP}, during which
 * deliveries carry both signatures, so receivers can switch without dropping an event.
 */
public final class WorkspaceService {
    public static final Duration ROTATION_OVERLAP = Duration.ofHours(24);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final Set<String> PATCHABLE = Set.of("webhook_url", "limits", "allowed_countries", "blocked_number_types",
            "opt_out", "calling_window", "calling_window_applies_to_sandbox");

    private final Jdbi jdbi;
    private final SecretBox secrets;
    private final WebhookUrlPolicy urls;
    private final InstantSource clock;
    private final List<Consumer<String>> rotationListeners = new CopyOnWriteArrayList<>();

    public WorkspaceService(Jdbi jdbi, SecretBox secrets, WebhookUrlPolicy urls, InstantSource clock) {
        this.jdbi = jdbi;
        this.secrets = secrets;
        this.urls = urls;
        this.clock = clock;
    }

    public record Settings(String workspaceId, String organizationId, String name, int maxConcurrentCalls,
                           int callsPerSecond, Optional<String> webhookUrl, String signingSecret,
                           Optional<Instant> previousSecretValidUntil, Destinations destinations, OptOutRules optOut,
                           Optional<CallingWindow> callingWindow, boolean callingWindowAppliesToSandbox,
                           DailyCaps.Limits dailyCaps, DailyCaps.Usage usage) {}

    public Settings get(Tenant tenant) {
        return jdbi.inTransaction(h -> settings(h, tenant.workspaceId()));
    }

    public Settings patch(Tenant tenant, JsonNode body) {
        ObjectNode patch = JsonFields.object(body, "");
        JsonFields.rejectUnknown(patch, "", PATCHABLE);
        return jdbi.inTransaction(h -> {
            if (patch.has("webhook_url")) {
                Optional<String> url = JsonFields.optionalString(patch, "webhook_url", "", 2_000)
                        .map(u -> urls.checkAccepted("webhook_url", AssistantConfigJson.checkWebhookUrl("webhook_url", u)));
                h.createUpdate("UPDATE workspaces SET webhook_url = :url WHERE id = :id")
                        .bind("url", url.orElse(null)).bind("id", tenant.workspaceId()).execute();
            }
            if (patch.has("limits")) {
                ObjectNode limits = JsonFields.optionalObject(patch, "limits", "").orElseThrow(
                        () -> Problem.invalid("limits", "'limits' must be an object"));
                JsonFields.rejectUnknown(limits, "limits", Set.of("max_concurrent_calls", "calls_per_second", "max_calls_per_day",
                        "max_call_minutes_per_day"));
                JsonFields.optionalInt(limits, "max_concurrent_calls", "limits", 1, 10_000).ifPresent(n ->
                        h.execute("UPDATE workspaces SET max_concurrent_calls = ? WHERE id = ?", n, tenant.workspaceId()));
                JsonFields.optionalInt(limits, "calls_per_second", "limits", 1, 1_000).ifPresent(n ->
                        h.execute("UPDATE workspaces SET calls_per_second = ? WHERE id = ?", n, tenant.workspaceId()));
                dailyCap(h, limits, "max_calls_per_day", 10_000_000, tenant.workspaceId());
                dailyCap(h, limits, "max_call_minutes_per_day", 10_000_000, tenant.workspaceId());
            }
            if (patch.has("allowed_countries")) {
                h.createUpdate("UPDATE workspaces SET allowed_countries = :c WHERE id = :id")
                        .bind("c", Destinations.countries(patch, "allowed_countries").toArray(String[]::new))
                        .bind("id", tenant.workspaceId()).execute();
            }
            if (patch.has("blocked_number_types")) {
                h.createUpdate("UPDATE workspaces SET blocked_number_types = :t WHERE id = :id")
                        .bind("t", Destinations.types(patch, "blocked_number_types").toArray(String[]::new))
                        .bind("id", tenant.workspaceId()).execute();
            }
            if (patch.has("opt_out")) {
                JsonNode raw = patch.get("opt_out");
                String stored = raw.isNull() ? null : OptOutRules.parse(raw, "opt_out").write().toString();
                h.createUpdate("UPDATE workspaces SET opt_out = CAST(:o AS jsonb) WHERE id = :id")
                        .bind("o", stored).bind("id", tenant.workspaceId()).execute();
            }
            if (patch.has("calling_window")) {
                JsonNode raw = patch.get("calling_window");
                String stored = raw.isNull() ? null : CallingWindow.parse(raw, "calling_window").write().toString();
                h.createUpdate("UPDATE workspaces SET calling_window = CAST(:w AS jsonb) WHERE id = :id")
                        .bind("w", stored).bind("id", tenant.workspaceId()).execute();
            }
            if (patch.has("calling_window_applies_to_sandbox")) {
                boolean include = JsonFields.optionalBoolean(patch, "calling_window_applies_to_sandbox", "").orElseThrow(
                        () -> Problem.invalid("calling_window_applies_to_sandbox", "'calling_window_applies_to_sandbox' must be"
                                + " true (calls to sandbox softphones keep calling hours too) or false (they ring at any hour)"));
                h.execute("UPDATE workspaces SET calling_window_applies_to_sandbox = ? WHERE id = ?", include, tenant.workspaceId());
            }
            return settings(h, tenant.workspaceId());
        });
    }

    /** A daily cap: a whole number, or null for none; absent leaves it as it is. */
    private static void dailyCap(Handle h, ObjectNode limits, String field, int max, String workspaceId) {
        if (!limits.has(field)) {
            return;
        }
        Integer value = limits.get(field).isNull() ? null : JsonFields.optionalInt(limits, field, "limits", 1, max).orElseThrow();
        // The column name is one of two constants, never the request's text.
        h.createUpdate("UPDATE workspaces SET " + field + " = :v WHERE id = :id").bind("v", value).bind("id", workspaceId).execute();
    }

    /**
     * Tells {@code listener} the workspace id of every rotation made through this node, once committed,
     * so a cache of signing secrets here drops the old set at once (other nodes' caches expire by themselves).
     */
    public void whenSecretRotated(Consumer<String> listener) {
        rotationListeners.add(listener);
    }

    public Settings rotateSecret(Tenant tenant) {
        Settings rotated = jdbi.inTransaction(h -> {
            Settings current = settings(h, tenant.workspaceId());
            h.createUpdate("""
                            UPDATE workspaces SET webhook_secret_previous = webhook_secret, webhook_secret = :fresh,
                                   webhook_secret_previous_until = :until WHERE id = :id""")
                    .bind("fresh", secrets.seal(newSecret())).bind("until", clock.instant().plus(ROTATION_OVERLAP))
                    .bind("id", tenant.workspaceId()).execute();
            return settings(h, current.workspaceId());
        });
        rotationListeners.forEach(l -> l.accept(rotated.workspaceId()));
        return rotated;
    }

    /** The secrets to sign with now: the current one, and the previous one while its overlap lasts. */
    public List<String> signingSecrets(String workspaceId) {
        return jdbi.inTransaction(h -> {
            Settings s = settings(h, workspaceId);
            List<String> out = new ArrayList<>();
            out.add(s.signingSecret());
            if (s.previousSecretValidUntil().isPresent()) {
                h.createQuery("SELECT webhook_secret_previous FROM workspaces WHERE id = :id").bind("id", workspaceId)
                        .mapTo(byte[].class).findOne().ifPresent(prev -> out.add(secrets.open(prev)));
            }
            return out;
        });
    }

    /** The workspace's sandbox password, created on first need. */
    public String sandboxPassword(Tenant tenant) {
        return jdbi.inTransaction(h -> {
            h.createUpdate("UPDATE workspaces SET sandbox_password = :s WHERE id = :id AND sandbox_password IS NULL")
                    .bind("s", secrets.seal(newSecret().substring(6, 30))).bind("id", tenant.workspaceId()).execute();
            return secrets.open(h.createQuery("SELECT sandbox_password FROM workspaces WHERE id = :id")
                    .bind("id", tenant.workspaceId()).mapTo(byte[].class).one());
        });
    }

    /** Every workspace's sandbox password that has been created, by workspace id: what the registrar checks. */
    public Map<String, String> sandboxPasswords() {
        return jdbi.withHandle(h -> h.createQuery("SELECT id, sandbox_password FROM workspaces WHERE sandbox_password IS NOT NULL AND deleted_at IS NULL")
                .map((rs, ctx) -> Map.entry(rs.getString(1), secrets.open(rs.getBytes(2)))).list()
                .stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
    }

    private Settings settings(Handle h, String workspaceId) {
        // The secret is created on first need, by whichever node gets there first.
        h.createUpdate("UPDATE workspaces SET webhook_secret = :s WHERE id = :id AND webhook_secret IS NULL")
                .bind("s", secrets.seal(newSecret())).bind("id", workspaceId).execute();
        DailyCaps.Usage usage = DailyCaps.usage(h, workspaceId);
        return h.createQuery("""
                        SELECT id, organization_id, name, max_concurrent_calls, calls_per_second, webhook_url, webhook_secret,
                               CASE WHEN webhook_secret_previous_until > now() THEN webhook_secret_previous_until END AS prev_until,
                               allowed_countries, blocked_number_types, opt_out::text AS opt_out,
                               calling_window::text AS calling_window, calling_window_applies_to_sandbox, max_calls_per_day,
                               max_call_minutes_per_day
                        FROM workspaces WHERE id = :id""")
                .bind("id", workspaceId)
                .map((rs, ctx) -> new Settings(rs.getString("id"), rs.getString("organization_id"), rs.getString("name"),
                        rs.getInt("max_concurrent_calls"), rs.getInt("calls_per_second"),
                        Optional.ofNullable(rs.getString("webhook_url")), secrets.open(rs.getBytes("webhook_secret")),
                        Optional.ofNullable(rs.getTimestamp("prev_until")).map(java.sql.Timestamp::toInstant),
                        new Destinations(texts(rs.getArray("allowed_countries")), texts(rs.getArray("blocked_number_types"))),
                        optOut(rs.getString("opt_out")), CallingHours.stored(rs.getString("calling_window")),
                        rs.getBoolean("calling_window_applies_to_sandbox"),
                        new DailyCaps.Limits(rs.getObject("max_calls_per_day", Integer.class),
                                rs.getObject("max_call_minutes_per_day", Integer.class)),
                        usage))
                .one();
    }

    private static List<String> texts(java.sql.Array array) throws java.sql.SQLException {
        return List.of((String[]) array.getArray());
    }

    private static OptOutRules optOut(String stored) {
        if (stored == null) {
            return OptOutRules.DEFAULT;
        }
        try {
            return OptOutRules.parse(JSON.readTree(stored), "opt_out");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String newSecret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
