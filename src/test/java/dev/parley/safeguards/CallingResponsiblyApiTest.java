package dev.parley.safeguards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Destinations and the do-not-call list as an API user meets them (issue 14, items 1 and 4). */
@Tag("db")
class CallingResponsiblyApiTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass();

    @AfterEach
    void reset() {
        patch("{\"allowed_countries\": [], \"blocked_number_types\": [\"premium-rate\", \"shared-cost\"], \"opt_out\": null}");
        server.app.database().jdbi().useHandle(h -> h.execute("DELETE FROM do_not_call"));
    }

    static Http.Response patch(String json) {
        return server.http.request("PATCH", "/v1/admin/workspace").headers(server.auth()).json(json).send();
    }

    static Http.Response addNumbers(String json) {
        return server.http.request("POST", "/v1/admin/dnc").headers(server.auth()).json(json).send();
    }

    static Http.Response callWithKey(String number, String key) {
        return server.http.request("POST", "/v1/admin/assistant/call").headers(server.auth()).header("Idempotency-Key", key)
                .json("{\"assistant_id\":\"" + server.tenancy.assistantId() + "\",\"to_number\":\"" + number + "\"}").send();
    }

    @Test
    void theWorkspaceShowsItsSafeguardsWithTheirDefaults() {
        JsonNode ws = server.http.request("GET", "/v1/admin/workspace").headers(server.auth()).send().json().get("data");
        assertThat(ws.get("allowed_countries")).isEmpty();
        assertThat(ws.get("blocked_number_types")).extracting(JsonNode::asText).containsExactly("premium-rate", "shared-cost");
        assertThat(ws.at("/opt_out/dtmf").asText()).isEqualTo("9");
        assertThat(ws.at("/opt_out/phrases")).extracting(JsonNode::asText)
                .containsExactly("stop calling", "remove me from your list", "do not call me");

        Http.Response set = patch("{\"opt_out\": {\"dtmf\": \"*\", \"phrases\": [\"unsubscribe\"]}, \"allowed_countries\": [\"us\"]}");
        assertThat(set.status()).as(set.body()).isEqualTo(200);
        assertThat(set.json().at("/data/opt_out/dtmf").asText()).isEqualTo("*");
        assertThat(set.json().at("/data/allowed_countries/0").asText()).isEqualTo("US");

        Http.Response badKey = patch("{\"opt_out\": {\"dtmf\": \"99\"}}");
        assertThat(badKey.status()).isEqualTo(400);
        assertThat(badKey.message()).contains("opt_out.dtmf").contains("one key");
        Http.Response badCountry = patch("{\"allowed_countries\": [\"XX\"]}");
        assertThat(badCountry.status()).isEqualTo(400);
        assertThat(badCountry.message()).contains("'XX'").contains("ISO 3166");
        Http.Response badType = patch("{\"blocked_number_types\": [\"expensive\"]}");
        assertThat(badType.status()).isEqualTo(400);
        assertThat(badType.message()).contains("premium-rate").contains("toll-free");
    }

    @Test
    void aCountryOutsideAllowedCountriesIsRefusedNamingTheRule() {
        assertThat(patch("{\"allowed_countries\": [\"US\", \"CA\"]}").status()).isEqualTo(200);
        assertThat(server.createCall("+14155550123").status()).isEqualTo(200);
        Http.Response gb = server.createCall("+442079460123");
        assertThat(gb.status()).as(gb.body()).isEqualTo(403);
        assertThat(gb.errorCode()).isEqualTo("destination_not_allowed");
        assertThat(gb.message()).contains("a GB number").contains("allowed_countries");
        Http.Response keyed = callWithKey("+442079460123", "gb-1");
        assertThat(keyed.status()).as("the Idempotency-Key path checks the same").isEqualTo(403);
        assertThat(keyed.message()).contains("allowed_countries");
        assertThat(server.count("SELECT count(*) FROM calls WHERE to_number = '+442079460123'")).isZero();
    }

    @Test
    void premiumRateNumbersAreRefusedByDefaultAndAllowedWhenUnblocked() {
        PhoneNumberUtil util = PhoneNumberUtil.getInstance();
        String premium = util.format(util.getExampleNumberForType("GB", PhoneNumberUtil.PhoneNumberType.PREMIUM_RATE),
                PhoneNumberUtil.PhoneNumberFormat.E164);
        Http.Response refused = server.createCall(premium);
        assertThat(refused.status()).as(refused.body()).isEqualTo(403);
        assertThat(refused.message()).contains("a premium-rate number").contains("blocked_number_types");

        assertThat(patch("{\"blocked_number_types\": [\"shared-cost\"]}").status()).isEqualTo(200);
        assertThat(server.createCall(premium).status()).as("premium-rate no longer blocked").isEqualTo(200);
    }

    @Test
    void aNumberOnTheListIsRefusedWithoutSayingMoreAndCanBeRemoved() {
        Http.Response added = addNumbers("{\"numbers\": [\"+14155550199\", \"+14155550199\", \"+14155550198\"]}");
        assertThat(added.status()).as(added.body()).isEqualTo(200);
        assertThat(added.json().at("/data/added").asInt()).isEqualTo(2);

        Http.Response refused = server.createCall("+14155550199");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.errorCode()).isEqualTo("do_not_call");
        assertThat(refused.message()).isEqualTo("to_number is on this workspace's do-not-call list and cannot be called");
        assertThat(callWithKey("+14155550199", "dnc-1").status()).isEqualTo(403);

        JsonNode listed = server.http.request("GET", "/v1/admin/dnc?limit=1").headers(server.auth()).send().json().get("data");
        assertThat(listed.at("/items/0/number").asText()).isEqualTo("+14155550198");
        assertThat(listed.at("/items/0/source").asText()).isEqualTo("api");
        assertThat(listed.get("has_more").asBoolean()).isTrue();

        Http.Response removed = server.http.request("DELETE", "/v1/admin/dnc/%2B14155550199").headers(server.auth()).send();
        assertThat(removed.status()).as(removed.body()).isEqualTo(200);
        assertThat(server.createCall("+14155550199").status()).isEqualTo(200);
        assertThat(server.http.request("DELETE", "/v1/admin/dnc/%2B14155550199").headers(server.auth()).send().status())
                .isEqualTo(404);

        Http.Response bad = addNumbers("{\"numbers\": [\"+14155550100\", \"415 555 0101\"]}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.message()).contains("numbers[1]").contains("E.164");
        assertThat(server.count("SELECT count(*) FROM do_not_call WHERE number = '+14155550100'")).as("nothing added").isZero();
    }

    @Test
    void aCsvOfTwentyThousandRowsIsImportedInSeconds() {
        StringBuilder csv = new StringBuilder("phone,name\n");
        List<String> numbers = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            String n = "+1212" + String.format("%07d", 5_000_000 + i);
            numbers.add(n);
            csv.append('"').append(n).append("\",person ").append(i).append('\n');
        }
        long started = System.nanoTime();
        Http.Response r = server.http.request("POST", "/v1/admin/dnc").headers(server.auth())
                .header("Content-Type", "text/csv").body(csv.toString().getBytes(StandardCharsets.UTF_8)).send();
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("CSV import of 20,000 rows (%d KiB): %.2f s%n", csv.length() / 1024, seconds);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().at("/data/added").asInt()).isEqualTo(20_000);
        assertThat(seconds).as("20,000 rows in seconds").isLessThan(5);
        assertThat(server.count("SELECT count(*) FROM do_not_call WHERE source = 'csv'")).isEqualTo(20_000);
        assertThat(server.createCall(numbers.get(12_345)).status()).isEqualTo(403);

        Http.Response bad = server.http.request("POST", "/v1/admin/dnc").headers(server.auth())
                .header("Content-Type", "text/csv").body("+12125550100\n12125550101\n+1212555\n".getBytes(StandardCharsets.UTF_8)).send();
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.message()).contains("line 2").contains("line 3").contains("nothing was added");
    }
}
