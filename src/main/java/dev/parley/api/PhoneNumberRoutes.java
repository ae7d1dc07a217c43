package dev.parley.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.store.Ids;
import dev.parley.error.Problem;
import dev.parley.number.PhoneNumberService;
import dev.parley.tenancy.Tenant;
import io.javalin.http.Context;

/** {@code /v1/admin/phone-number}: numbers and the carriers behind them (SIP trunk, Twilio, Telnyx). Secrets go in, never out. */
final class PhoneNumberRoutes {
    private final PhoneNumberService numbers;
    private final Envelope envelope;
    private final ObjectMapper json;

    PhoneNumberRoutes(PhoneNumberService numbers, Envelope envelope, ObjectMapper json) {
        this.numbers = numbers;
        this.envelope = envelope;
        this.json = json;
    }

    void create(Context ctx, Tenant tenant) {
        envelope.ok(ctx, "Phone number added", view(numbers.create(tenant, RequestBody.json(ctx, json))));
    }

    void list(Context ctx, Tenant tenant) {
        ObjectNode data = json.createObjectNode();
        ArrayNode items = data.putArray("items");
        numbers.list(tenant).forEach(n -> items.add(view(n)));
        envelope.ok(ctx, "Phone numbers fetched successfully", data);
    }

    void delete(Context ctx, Tenant tenant) {
        String id = ctx.pathParam("id");
        if (!Ids.isValid(id)) {
            throw Problem.invalid("id", "A phone number id is 24 hexadecimal characters");
        }
        numbers.delete(tenant, id);
        ObjectNode data = json.createObjectNode();
        data.put("phone_number_id", id);
        data.put("deleted", true);
        envelope.ok(ctx, "Phone number deleted", data);
    }

    private ObjectNode view(PhoneNumberService.Number n) {
        ObjectNode o = json.createObjectNode();
        o.put("phone_number_id", n.id());
        o.put("number", n.number());
        o.put("is_default", n.isDefault());
        switch (n.carrier()) {
            case PhoneNumberService.Carrier.SipTrunk t -> {
                o.put("provider", "sip");
                ObjectNode trunk = o.putObject("trunk");
                trunk.put("host", t.host());
                trunk.put("port", t.port());
                trunk.put("transport", t.transport());
                trunk.put("username", t.username());
                trunk.put("has_password", t.hasPassword());
            }
            case PhoneNumberService.Carrier.TwilioAccount t -> {
                o.put("provider", "twilio");
                o.put("account_sid", t.accountSid());
                o.put("has_auth_token", t.hasAuthToken());
                o.put("api_key_sid", t.apiKeySid());
                o.put("has_api_key_secret", t.hasApiKeySecret());
            }
            case PhoneNumberService.Carrier.TelnyxAccount t -> {
                o.put("provider", "telnyx");
                o.put("connection_id", t.connectionId());
                o.put("public_key", t.publicKey());
                o.put("has_api_key", t.hasApiKey());
            }
        }
        return o;
    }
}
