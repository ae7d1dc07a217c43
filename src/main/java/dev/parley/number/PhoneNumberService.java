package dev.parley.number;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.error.Problem;
import dev.parley.store.Ids;
import dev.parley.tenancy.SecretBox;
import dev.parley.tenancy.Tenant;
import java.net.URI;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Update;

/**
 * A workspace's phone numbers ({@code /v1/admin/phone-number}) and the carrier behind each: a SIP
 * trunk, a Twilio account or a Telnyx account. One number may be the default: calls whose request
 * names no number of the workspace use it. Secrets are sealed with {@link SecretBox} and never
 * returned; the API shows whether each is set.
 */
public final class PhoneNumberService {
    private final Jdbi jdbi;
    private final SecretBox secrets;
    private final Optional<URI> publicUrl;

    /** @param publicUrl where carriers reach this node ({@code public.url}); carrier numbers need it */
    public PhoneNumberService(Jdbi jdbi, SecretBox secrets, Optional<URI> publicUrl) {
        this.jdbi = jdbi;
        this.secrets = secrets;
        this.publicUrl = publicUrl;
    }

    /** A number as the API shows it: never a secret. */
    public record Number(String id, String number, boolean isDefault, Carrier carrier) {}

    /** What the API shows of the carrier behind a number. */
    public sealed interface Carrier {
        record SipTrunk(String host, int port, String transport, String username, boolean hasPassword) implements Carrier {}

        record TwilioAccount(String accountSid, String apiKeySid, boolean hasAuthToken, boolean hasApiKeySecret) implements Carrier {}

        record TelnyxAccount(String connectionId, String publicKey, boolean hasApiKey) implements Carrier {}
    }

    /** What the dialer needs to place a call through a SIP trunk. */
    public record Trunk(String host, int port, String transport, Optional<String> username, Optional<String> password,
                        String callerId) {}

    public Number create(Tenant tenant, JsonNode body) {
        NumberRequest request = NumberRequest.parse(body);
        if (!(request instanceof NumberRequest.Sip) && publicUrl.isEmpty()) {
            throw Problem.conflict("public_url_missing", "A " + providerOf(request) + " number needs this node's public address:"
                    + " set public.url (or PARLEY_PUBLIC_URL) to the https:// URL the carrier reaches Parley at (a tunnel to"
                    + " this machine works) and restart; the carrier sends the call's status and audio there");
        }
        String id = Ids.next();
        return jdbi.inTransaction(h -> {
            boolean first = h.createQuery("SELECT count(*) FROM phone_numbers WHERE workspace_id = :ws")
                    .bind("ws", tenant.workspaceId()).mapTo(Long.class).one() == 0;
            if (request.isDefault()) {
                h.execute("UPDATE phone_numbers SET is_default = false WHERE workspace_id = ?", tenant.workspaceId());
            }
            Update insert = h.createUpdate("""
                            INSERT INTO phone_numbers (id, workspace_id, number, is_default, provider, trunk_host, trunk_port, transport,
                                                       username, password, twilio_account_sid, twilio_auth_token, twilio_api_key_sid,
                                                       twilio_api_key_secret, telnyx_api_key, telnyx_connection_id, telnyx_public_key)
                            VALUES (:id, :ws, :n, :d, :provider, :host, :port, :t, :u, :p, :account, :token, :keySid, :keySecret,
                                    :telnyxKey, :connection, :publicKey)
                            ON CONFLICT (workspace_id, number) DO NOTHING""")
                    .bind("id", id).bind("ws", tenant.workspaceId()).bind("n", request.number())
                    .bind("d", request.isDefault() || first).bind("provider", providerOf(request));
            bindCarrier(insert, request);
            if (insert.execute() == 0) {
                throw Problem.conflict("phone_number_exists", "The workspace already has " + request.number()
                        + "; change or delete that one");
            }
            return find(h, tenant.workspaceId(), id).orElseThrow();
        });
    }

    private void bindCarrier(Update insert, NumberRequest request) {
        insert.bindByType("host", null, String.class).bindByType("port", null, Integer.class).bindByType("t", null, String.class)
                .bindByType("u", null, String.class).bindByType("p", null, byte[].class)
                .bindByType("account", null, String.class).bindByType("token", null, byte[].class)
                .bindByType("keySid", null, String.class).bindByType("keySecret", null, byte[].class)
                .bindByType("telnyxKey", null, byte[].class).bindByType("connection", null, String.class)
                .bindByType("publicKey", null, String.class);
        switch (request) {
            case NumberRequest.Sip s -> insert.bind("host", s.host()).bind("port", s.port()).bind("t", s.transport())
                    .bind("u", s.username().orElse(null)).bind("p", s.password().map(secrets::seal).orElse(null));
            case NumberRequest.Twilio t -> insert.bind("account", t.accountSid()).bind("token", secrets.seal(t.authToken()))
                    .bind("keySid", t.apiKeySid().orElse(null)).bind("keySecret", t.apiKeySecret().map(secrets::seal).orElse(null));
            case NumberRequest.Telnyx t -> insert.bind("telnyxKey", secrets.seal(t.apiKey())).bind("connection", t.connectionId())
                    .bind("publicKey", t.publicKey());
        }
    }

    private static String providerOf(NumberRequest request) {
        return switch (request) {
            case NumberRequest.Sip s -> "sip";
            case NumberRequest.Twilio t -> "twilio";
            case NumberRequest.Telnyx t -> "telnyx";
        };
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

    /** Whether any workspace has a Twilio or Telnyx number: those need {@code public.url}. */
    public boolean anyCarrierNumbers() {
        return jdbi.withHandle(h -> h.createQuery("SELECT EXISTS (SELECT 1 FROM phone_numbers WHERE provider <> 'sip')")
                .mapTo(Boolean.class).one());
    }

    /**
     * The number a call is placed from: the requested caller id if the workspace owns it, else its
     * default number; empty when the workspace has neither (the node's trunk or the sandbox then).
     */
    public Optional<CarrierNumber> routeFor(String workspaceId, Optional<String> fromNumber) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT * FROM phone_numbers WHERE workspace_id = :ws AND (number = :from OR is_default)
                         ORDER BY (number = :from) DESC NULLS LAST LIMIT 1""")
                .bind("ws", workspaceId).bind("from", fromNumber.orElse(null))
                .map((rs, ctx) -> route(rs)).findOne());
    }

    /** The SIP trunk for a call, when the number that places it is a SIP trunk number. */
    public Optional<Trunk> trunkFor(String workspaceId, Optional<String> fromNumber) {
        return routeFor(workspaceId, fromNumber).flatMap(r -> r instanceof CarrierNumber.Sip s ? Optional.of(s.trunk()) : Optional.empty());
    }

    private CarrierNumber route(ResultSet rs) throws SQLException {
        String number = rs.getString("number");
        return switch (rs.getString("provider")) {
            case "twilio" -> {
                String keySid = rs.getString("twilio_api_key_sid");
                byte[] keySecret = rs.getBytes("twilio_api_key_secret");
                yield new CarrierNumber.Twilio(number, rs.getString("twilio_account_sid"), secrets.open(rs.getBytes("twilio_auth_token")),
                        keySid == null ? Optional.empty() : Optional.of(new CarrierNumber.Twilio.ApiKey(keySid, secrets.open(keySecret))));
            }
            case "telnyx" -> new CarrierNumber.Telnyx(number, secrets.open(rs.getBytes("telnyx_api_key")),
                    rs.getString("telnyx_connection_id"), rs.getString("telnyx_public_key"));
            default -> new CarrierNumber.Sip(new Trunk(rs.getString("trunk_host"), rs.getInt("trunk_port"), rs.getString("transport"),
                    Optional.ofNullable(rs.getString("username")), Optional.ofNullable(rs.getBytes("password")).map(secrets::open), number));
        };
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

    private static Number view(ResultSet rs) throws SQLException {
        Carrier carrier = switch (rs.getString("provider")) {
            case "twilio" -> new Carrier.TwilioAccount(rs.getString("twilio_account_sid"), rs.getString("twilio_api_key_sid"),
                    rs.getBytes("twilio_auth_token") != null, rs.getBytes("twilio_api_key_secret") != null);
            case "telnyx" -> new Carrier.TelnyxAccount(rs.getString("telnyx_connection_id"), rs.getString("telnyx_public_key"),
                    rs.getBytes("telnyx_api_key") != null);
            default -> new Carrier.SipTrunk(rs.getString("trunk_host"), rs.getInt("trunk_port"), rs.getString("transport"),
                    rs.getString("username"), rs.getBytes("password") != null);
        };
        return new Number(rs.getString("id"), rs.getString("number"), rs.getBoolean("is_default"), carrier);
    }
}
