package dev.parley.number;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.config.ConfigLoader;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code POST /v1/admin/phone-number} for Twilio and Telnyx numbers next to SIP trunk ones. */
@Tag("db")
class CarrierNumbersApiTest {
    static final String SID = "AC" + "0123456789abcdef".repeat(2);
    static final String TOKEN = "f00dfeedf00dfeedf00dfeedf00dfeed";
    static final String KEY_SID = "SK" + "fedcba9876543210".repeat(2);
    static final String KEY_SECRET = "Zq8sUe3LmW0pYt6RbN4vXc2JhK9dGf1A";
    static final String TELNYX_KEY = "KEY0190ABCDEF_s3cr3tTelnyxPart";
    static final String TELNYX_PUBLIC = "MCowBQYDK2VwAyEA1234567890abcdefghijklmnopqr="; // not 32 bytes: refused
    static final String TELNYX_PUBLIC_OK = "Zm9yIGEgdGVzdDogMzIgYnl0ZXMgb2YgYSBrZXkhISE=";

    @RegisterExtension
    static final TestServer server = TestServer.perClass(Map.of(ConfigLoader.PUBLIC_URL, "https://parley.example.com"));

    @AfterEach
    void clean() {
        server.app.database().jdbi().useHandle(h -> h.execute("DELETE FROM phone_numbers"));
    }

    private Http.Response add(String json) {
        return server.http.request("POST", "/v1/admin/phone-number").headers(server.auth()).json(json).send();
    }

    @Test
    void aTwilioNumberKeepsItsSecretsSealedAndShowsOnlyThatTheyAreSet() {
        Http.Response r = add("{\"provider\":\"twilio\",\"number\":\"+14155550100\",\"account_sid\":\"" + SID
                + "\",\"auth_token\":\"" + TOKEN + "\",\"api_key_sid\":\"" + KEY_SID + "\",\"api_key_secret\":\"" + KEY_SECRET + "\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode n = r.json().get("data");
        assertThat(n.get("provider").asText()).isEqualTo("twilio");
        assertThat(n.get("account_sid").asText()).isEqualTo(SID);
        assertThat(n.get("api_key_sid").asText()).isEqualTo(KEY_SID);
        assertThat(n.get("has_auth_token").asBoolean()).isTrue();
        assertThat(n.get("has_api_key_secret").asBoolean()).isTrue();
        assertThat(n.has("trunk")).isFalse();
        String listed = server.http.request("GET", "/v1/admin/phone-number").headers(server.auth()).send().body();
        for (String body : new String[] {r.body(), listed}) {
            assertThat(body).doesNotContain(TOKEN).doesNotContain(KEY_SECRET);
        }
        assertThat(server.count("SELECT count(*) FROM phone_numbers WHERE position('" + TOKEN + "' in encode(twilio_auth_token, 'escape')) > 0"
                + " OR position('" + KEY_SECRET + "' in encode(twilio_api_key_secret, 'escape')) > 0")).as("stored encrypted").isZero();
    }

    @Test
    void aTelnyxNumberNeedsItsKeyConnectionAndWebhookPublicKey() {
        Http.Response bad = add("{\"provider\":\"telnyx\",\"number\":\"+14155550101\",\"api_key\":\"" + TELNYX_KEY
                + "\",\"connection_id\":\"1494404757140276705\",\"public_key\":\"" + TELNYX_PUBLIC + "\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().at("/error/field").asText()).isEqualTo("public_key");
        assertThat(bad.message()).contains("Ed25519").contains("32-byte");
        Http.Response r = add("{\"provider\":\"telnyx\",\"number\":\"+14155550101\",\"api_key\":\"" + TELNYX_KEY
                + "\",\"connection_id\":\"1494404757140276705\",\"public_key\":\"" + TELNYX_PUBLIC_OK + "\",\"default\":true}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).doesNotContain(TELNYX_KEY);
        JsonNode n = r.json().get("data");
        assertThat(n.get("provider").asText()).isEqualTo("telnyx");
        assertThat(n.get("has_api_key").asBoolean()).isTrue();
        assertThat(n.get("connection_id").asText()).isEqualTo("1494404757140276705");
        assertThat(n.get("public_key").asText()).isEqualTo(TELNYX_PUBLIC_OK);
        assertThat(n.get("is_default").asBoolean()).isTrue();
    }

    @Test
    void misshapenCredentialsAreRefusedWithWhatToPasteInstead() {
        Http.Response sid = add("{\"provider\":\"twilio\",\"number\":\"+14155550100\",\"account_sid\":\"" + KEY_SID
                + "\",\"auth_token\":\"" + TOKEN + "\"}");
        assertThat(sid.status()).isEqualTo(400);
        assertThat(sid.json().at("/error/field").asText()).isEqualTo("account_sid");
        assertThat(sid.message()).contains("AC followed by 32 hexadecimal");

        Http.Response noToken = add("{\"provider\":\"twilio\",\"number\":\"+14155550100\",\"account_sid\":\"" + SID
                + "\",\"api_key_sid\":\"" + KEY_SID + "\",\"api_key_secret\":\"" + KEY_SECRET + "\"}");
        assertThat(noToken.status()).isEqualTo(400);
        assertThat(noToken.json().at("/error/field").asText()).isEqualTo("auth_token");
        assertThat(noToken.message()).contains("signs its status callbacks");

        Http.Response half = add("{\"provider\":\"twilio\",\"number\":\"+14155550100\",\"account_sid\":\"" + SID
                + "\",\"auth_token\":\"" + TOKEN + "\",\"api_key_sid\":\"" + KEY_SID + "\"}");
        assertThat(half.status()).isEqualTo(400);
        assertThat(half.json().at("/error/field").asText()).isEqualTo("api_key_secret");

        Http.Response badToken = add("{\"provider\":\"twilio\",\"number\":\"+14155550100\",\"account_sid\":\"" + SID
                + "\",\"auth_token\":\"not-a-token-but-a-secret-value\"}");
        assertThat(badToken.status()).isEqualTo(400);
        assertThat(badToken.body()).as("a secret is never echoed").doesNotContain("not-a-token-but-a-secret-value");

        Http.Response trunkOnTwilio = add("{\"provider\":\"twilio\",\"number\":\"+14155550100\",\"trunk\":{\"host\":\"x\"}}");
        assertThat(trunkOnTwilio.status()).isEqualTo(400);
        assertThat(trunkOnTwilio.message()).contains("trunk");

        Http.Response unknown = add("{\"provider\":\"plivo\",\"number\":\"+14155550100\"}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().at("/error/field").asText()).isEqualTo("provider");
        assertThat(server.count("SELECT count(*) FROM phone_numbers")).isZero();
    }

    @Test
    void sipNumbersWorkAsBeforeWithOrWithoutTheProvider() {
        Http.Response implicit = add("{\"number\":\"+14155550102\",\"trunk\":{\"host\":\"sip.example.com\"}}");
        Http.Response explicit = add("{\"provider\":\"sip\",\"number\":\"+14155550103\",\"trunk\":{\"host\":\"sip.example.com\",\"port\":5080}}");
        assertThat(implicit.status()).as(implicit.body()).isEqualTo(200);
        assertThat(explicit.status()).as(explicit.body()).isEqualTo(200);
        assertThat(implicit.json().at("/data/provider").asText()).isEqualTo("sip");
        assertThat(explicit.json().at("/data/trunk/port").asInt()).isEqualTo(5080);
        assertThat(add("{\"number\":\"+14155550104\"}").message()).contains("'trunk' is required");
    }

    @Test
    void withoutPublicUrlCarrierNumbersAreRefusedWithWhatToSet() {
        try (TestServer plain = TestServer.start()) {
            Http.Response r = plain.http.request("POST", "/v1/admin/phone-number").headers(plain.auth())
                    .json("{\"provider\":\"twilio\",\"number\":\"+14155550100\",\"account_sid\":\"" + SID
                            + "\",\"auth_token\":\"" + TOKEN + "\"}").send();
            assertThat(r.status()).isEqualTo(409);
            assertThat(r.errorCode()).isEqualTo("public_url_missing");
            assertThat(r.message()).contains("public.url").contains("PARLEY_PUBLIC_URL").contains("https://");
            assertThat(r.body()).doesNotContain(TOKEN);
        }
    }
}
