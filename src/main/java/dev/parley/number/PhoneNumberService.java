package dev.parley.number;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.number.PhoneNumbers;
import dev.parley.error.JsonFields;
import dev.parley.error.Problem;
import dev.parley.store.Ids;
import dev.parley.tenancy.SecretBox;
import dev.parley.tenancy.Tenant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * A workspace's phone numbers and the SIP trunks behind them ({@code /v1/admin/phone-number}).
 * One number may be the default: calls whose request names no number of the workspace use it.
 */
public final class PhoneNumberService {
    private static final Set<String> FIELDS = Set.of("number", "trunk", "default");
    private static final Set<String> TRUNK_FIELDS = Set.of("host", "port", "transport", "username", "password");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]+\\]");

    private final Jdbi jdbi;
    private final SecretBox secrets;

    public PhoneNumberService(Jdbi jdbi, SecretBox secrets) {
        this.jdbi = jdbi;
        this.secrets = secrets;
    }

    /** A number as the API shows it: never the password. */
    public record Number(String id, String number, String host, int port, String transport, String username,
                         boolean hasPassword, boolean isDefault) {}

    /** What the dialer needs to place a call from a number. */
    public record Trunk(String host, int port, String transport, Optional<String> username, Optional<String> password,
                        String callerId) {}

    public Number create(Tenant tenant, JsonNode body) {
        ObjectNode root = JsonFields.object(body, "");
        JsonFields.rejectUnknown(root, "", FIELDS);
        String number = PhoneNumbers.parse("number", JsonFields.requiredString(root, "number", "", 64)).number();
        ObjectNode trunk = JsonFields.optionalObject(root, "trunk", "").orElseThrow(
                () -> Problem.invalid("trunk", "'trunk' is required: {host, port, transport, username, password} of the SIP trunk"));
        JsonFields.rejectUnknown(trunk, "trunk", TRUNK_FIELDS);
        String host = JsonFields.requiredString(trunk, "host", "trunk", 255).strip();
        if (!HOST.matcher(host).matches()) {
            throw Problem.invalid("trunk.host", "'trunk.host' must be a host name or an IP address");
        }
        int port = JsonFields.optionalInt(trunk, "port", "trunk", 1, 65535).orElse(5060);
        String transport = JsonFields.optionalString(trunk, "transport", "trunk", 10).orElse("udp").toLowerCase(Locale.ROOT);
        if (!transport.equals("udp") && !transport.equals("tcp")) {
            throw Problem.invalid("trunk.transport", "'trunk.transport' must be udp or tcp");
        }
        Optional<String> username = JsonFields.optionalString(trunk, "username", "trunk", 255);
        Optional<String> password = JsonFields.optionalString(trunk, "password", "trunk", 255);
        if (password.isPresent() && username.isEmpty()) {
            throw Problem.invalid("trunk.username", "'trunk.username' is required with a password (digest authentication)");
        }
        boolean isDefault = JsonFields.optionalBoolean(root, "default", "").orElse(false);
        String id = Ids.next();
        return jdbi.inTransaction(h -> {
            boolean first = h.createQuery("SELECT count(*) FROM phone_numbers WHERE workspace_id = :ws")
                    .bind("ws", tenant.workspaceId()).mapTo(Long.class).one() == 0;
            if (isDefault) {
                h.execute("UPDATE phone_numbers SET is_default = false WHERE workspace_id = ?", tenant.workspaceId());
            }
            int inserted = h.createUpdate("""
                            INSERT INTO phone_numbers (id, workspace_id, number, trunk_host, trunk_port, transport, username, password, is_default)
                            VALUES (:id, :ws, :n, :host, :port, :t, :u, :p, :d) ON CONFLICT (workspace_id, number) DO NOTHING""")
                    .bind("id", id).bind("ws", tenant.workspaceId()).bind("n", number).bind("host", host).bind("port", port)
                    .bind("t", transport).bind("u", username.orElse(null)).bind("p", password.map(secrets::seal).orElse(null))
                    .bind("d", isDefault || first).execute();
            if (inserted == 0) {
                throw Problem.conflict("phone_number_exists", "The workspace already has " + number + "; change or delete that one");
            }
            return find(h, tenant.workspaceId(), id).orElseThrow();
        });
    }

    public List<Number> list(Tenant tenant) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM phone_numbers WHERE workspace_id = :ws ORDER BY created_at, id")
                .bind("ws", tenant.workspaceId()).map((rs, ctx) -> view(rs)).list());
    }

    public void delete(Tenant tenant, String id) {
        int n = jdbi.withHandle(h -> h.execute("DELETE FROM phone_numbers WHERE id = ? AND workspace_id = ?", id, tenant.workspaceId()));
        if (n == 0) {
            throw Problem.notFound("phone_number_not_found", "No phone number " + id + " in this workspace");
        }
    }

    /** The trunk for a call: the requested caller id if the workspace owns it, else its default number. */
    public Optional<Trunk> trunkFor(String workspaceId, Optional<String> fromNumber) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT * FROM phone_numbers WHERE workspace_id = :ws AND (number = :from OR is_default)
                         ORDER BY (number = :from) DESC NULLS LAST LIMIT 1""")
                .bind("ws", workspaceId).bind("from", fromNumber.orElse(null))
                .map((rs, ctx) -> new Trunk(rs.getString("trunk_host"), rs.getInt("trunk_port"), rs.getString("transport"),
                        Optional.ofNullable(rs.getString("username")),
                        Optional.ofNullable(rs.getBytes("password")).map(secrets::open), rs.getString("number")))
                .findOne());
    }

    /**
     * SQL: whether the workspace has a number of its own for a call from {@code fromExpr}, so that
     * the call goes out through that number's trunk ({@link #trunkFor}'s rule), not the node's route.
     */
    public static String ownTrunkSql(String workspaceExpr, String fromExpr) {
        return "EXISTS (SELECT 1 FROM phone_numbers pn WHERE pn.workspace_id = " + workspaceExpr
                + " AND (pn.number = " + fromExpr + " OR pn.is_default))";
    }

    private static Optional<Number> find(Handle h, String workspaceId, String id) {
        return h.createQuery("SELECT * FROM phone_numbers WHERE id = :id AND workspace_id = :ws")
                .bind("id", id).bind("ws", workspaceId).map((rs, ctx) -> view(rs)).findOne();
    }

    private static Number view(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Number(rs.getString("id"), rs.getString("number"), rs.getString("trunk_host"), rs.getInt("trunk_port"),
                rs.getString("transport"), rs.getString("username"), rs.getBytes("password") != null, rs.getBoolean("is_default"));
    }
}
