package dev.parley.number;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.error.JsonFields;
import dev.parley.error.Problem;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /v1/admin/phone-number}, checked: a SIP trunk number (no {@code provider},
 * or {@code "sip"}), a Twilio number or a Telnyx number, each with its own fields. Shapes are checked
 * here so that a pasted value from the wrong console field is refused with what to paste instead,
 * rather than failing at the first call. Messages never quote a secret.
 */
sealed interface NumberRequest {
    String number();

    boolean isDefault();

    record Sip(String number, boolean isDefault, String host, int port, String transport, Optional<String> username,
               Optional<String> password) implements NumberRequest {}

    record Twilio(String number, boolean isDefault, String accountSid, String authToken, Optional<String> apiKeySid,
                  Optional<String> apiKeySecret) implements NumberRequest {}

    record Telnyx(String number, boolean isDefault, String apiKey, String connectionId, String publicKey) implements NumberRequest {}

    Set<String> SIP_FIELDS = Set.of("provider", "number", "trunk", "default");
    Set<String> TRUNK_FIELDS = Set.of("host", "port", "transport", "username", "password");
    Set<String> TWILIO_FIELDS = Set.of("provider", "number", "default", "account_sid", "auth_token", "api_key_sid", "api_key_secret");
    Set<String> TELNYX_FIELDS = Set.of("provider", "number", "default", "api_key", "connection_id", "public_key");
    Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]+\\]");
    Pattern ACCOUNT_SID = Pattern.compile("AC[0-9a-fA-F]{32}");
    Pattern API_KEY_SID = Pattern.compile("SK[0-9a-fA-F]{32}");
    Pattern AUTH_TOKEN = Pattern.compile("[0-9a-fA-F]{32}");
    Pattern API_KEY_SECRET = Pattern.compile("[0-9A-Za-z]{32}");
    Pattern TELNYX_KEY = Pattern.compile("KEY[0-9A-Za-z_-]{8,200}");
    Pattern CONNECTION_ID = Pattern.compile("[0-9A-Za-z-]{1,64}");

    static NumberRequest parse(JsonNode body) {
        ObjectNode root = JsonFields.object(body, "");
        String provider = JsonFields.optionalString(root, "provider", "", 16).orElse("sip");
        return switch (provider) {
            case "sip" -> sip(root);
            case "twilio" -> twilio(root);
            case "telnyx" -> telnyx(root);
            default -> throw Problem.invalid("provider", "'provider' must be sip (a SIP trunk, the default), twilio or telnyx");
        };
    }

    private static String number(ObjectNode root) {
        return PhoneNumbers.parse("number", JsonFields.requiredString(root, "number", "", 64)).number();
    }

    private static boolean isDefault(ObjectNode root) {
        return JsonFields.optionalBoolean(root, "default", "").orElse(false);
    }

    private static Sip sip(ObjectNode root) {
        JsonFields.rejectUnknown(root, "", SIP_FIELDS);
        String number = number(root);
        ObjectNode trunk = JsonFields.optionalObject(root, "trunk", "").orElseThrow(
                () -> Problem.invalid("trunk", "'trunk' is required: {host, port, transport, username, password} of the SIP trunk"
                        + " (or set 'provider' to twilio or telnyx for a number of those carriers)"));
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
        return new Sip(number, isDefault(root), host, port, transport, username, password);
    }

    private static Twilio twilio(ObjectNode root) {
        JsonFields.rejectUnknown(root, "", TWILIO_FIELDS);
        String number = number(root);
        String accountSid = shaped(root, "account_sid", ACCOUNT_SID, true,
                "'account_sid' must be your Twilio Account SID: AC followed by 32 hexadecimal characters (Console, Account Info)").orElseThrow();
        String authToken = shaped(root, "auth_token", AUTH_TOKEN, false,
                "'auth_token' must be the account's Auth Token: 32 hexadecimal characters (Console, Account Info)").orElseThrow(
                () -> Problem.invalid("auth_token", "'auth_token' is required: Twilio signs its status callbacks with the account's"
                        + " Auth Token, also when calls are placed with an API key (api_key_sid and api_key_secret)"));
        Optional<String> keySid = shaped(root, "api_key_sid", API_KEY_SID, false,
                "'api_key_sid' must be a Twilio API key SID: SK followed by 32 hexadecimal characters");
        Optional<String> keySecret = shaped(root, "api_key_secret", API_KEY_SECRET, false,
                "'api_key_secret' must be the API key's secret: 32 letters and digits, shown once when the key was made");
        if (keySid.isPresent() != keySecret.isPresent()) {
            String missing = keySid.isPresent() ? "api_key_secret" : "api_key_sid";
            throw Problem.invalid(missing, "'api_key_sid' and 'api_key_secret' go together: send both, or neither to place calls"
                    + " with the account SID and auth token");
        }
        return new Twilio(number, isDefault(root), accountSid, authToken, keySid, keySecret);
    }

    private static Telnyx telnyx(ObjectNode root) {
        JsonFields.rejectUnknown(root, "", TELNYX_FIELDS);
        String number = number(root);
        String apiKey = shaped(root, "api_key", TELNYX_KEY, true,
                "'api_key' must be a Telnyx API v2 key: it starts with KEY (Mission Control, Auth, API Keys)").orElseThrow();
        String connectionId = shaped(root, "connection_id", CONNECTION_ID, true,
                "'connection_id' must be the id of the Call Control application that places the calls (letters, digits and -)").orElseThrow();
        String publicKey = JsonFields.requiredString(root, "public_key", "", 200).strip();
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(publicKey);
        } catch (IllegalArgumentException e) {
            raw = new byte[0];
        }
        if (raw.length != 32) {
            throw Problem.invalid("public_key", "'public_key' must be the account's webhook public key as shown in Mission Control"
                    + " (Keys & Credentials, Public Key): base64 of a 32-byte Ed25519 key; it verifies Telnyx's webhooks");
        }
        return new Telnyx(number, isDefault(root), apiKey, connectionId, publicKey);
    }

    private static Optional<String> shaped(ObjectNode root, String field, Pattern shape, boolean required, String message) {
        Optional<String> v = required
                ? Optional.of(JsonFields.requiredString(root, field, "", 256))
                : JsonFields.optionalString(root, field, "", 256);
        v = v.map(String::strip);
        if (v.isPresent() && !shape.matcher(v.get()).matches()) {
            throw Problem.invalid(field, message);
        }
        return v;
    }
}
