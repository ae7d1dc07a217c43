package dev.parley.safeguards;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A burst of creates with mixed destinations and caps, sent concurrently through the real HTTP API
 * of two nodes on one database (issue 14's test): zero violations, counted from the database. The
 * suite sends 2,000; {@code bench/burst.sh} sends 10,000 ({@code -Dparley.burst.calls}) and prints
 * the figures.
 *
 * <p>Workspace A allows US, GB and IN, lists some numbers as do-not-call and caps calls per day
 * below what the burst asks for; workspace B sends every call with {@code on_capacity: "reject"}
 * under a concurrency limit. The dialer is off, so what was accepted stays to be counted.
 */
@Tag("db")
class CapsBurstTest {
    static final int CALLS = Integer.getInteger("parley.burst.calls", 2_000);
    static final int IN_FLIGHT = 64;
    static final int DAILY_CAP = CALLS / 5;
    static final int CONCURRENCY = 25;

    enum Kind { ALLOWED, DO_NOT_CALL, BLOCKED_COUNTRY, PREMIUM_RATE, REJECT_MODE }

    @Test
    void aBurstOfMixedCreatesAcrossTwoNodesBreaksNoRule() throws Exception {
        try (TestServer a = TestServer.start(); TestServer b = TestServer.onDatabase(a.databaseUrl, Map.of())) {
            assertThat(patch(a, a.tenancy.workspaceId(), "{\"allowed_countries\": [\"US\", \"GB\", \"IN\"], \"calling_window\": null,"
                    + " \"limits\": {\"max_calls_per_day\": " + DAILY_CAP + ", \"max_call_minutes_per_day\": null}}").status())
                    .isEqualTo(200);
            StringBuilder listed = new StringBuilder("{\"numbers\": [");
            for (int i = 0; i < 1_000; i++) {
                listed.append(i == 0 ? "" : ",").append('"').append(dncNumber(i)).append('"');
            }
            assertThat(a.http.request("POST", "/v1/admin/dnc").headers(a.auth()).json(listed + "]}").send().status()).isEqualTo(200);
            String wsB = a.http.request("POST", "/v1/admin/workspaces").headers(a.auth()).json("{\"name\": \"reject\"}").send()
                    .json().at("/data/workspace_id").asText();
            assertThat(patch(a, wsB, "{\"limits\": {\"max_concurrent_calls\": " + CONCURRENCY + ", \"calls_per_second\": 1000,"
                    + " \"max_calls_per_day\": null}, \"calling_window\": null}").status()).isEqualTo(200);
            String assistantB = a.http.request("POST", "/v1/admin/assistant").headers(headers(a, wsB))
                    .json("{\"name\": \"b\", \"config\": {}}").send().json().at("/data/assistant_id").asText();
            PhoneNumberUtil util = PhoneNumberUtil.getInstance();
            String premium = util.format(util.getExampleNumberForType("GB", PhoneNumberUtil.PhoneNumberType.PREMIUM_RATE),
                    PhoneNumberUtil.PhoneNumberFormat.E164);

            String german = util.format(util.getExampleNumber("DE"), PhoneNumberUtil.PhoneNumberFormat.E164);
            Map<String, Kind> accepted = new ConcurrentHashMap<>();
            Map<String, Integer> outcomes = new ConcurrentHashMap<>();
            List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
            Semaphore slots = new Semaphore(IN_FLIGHT);
            long started = System.nanoTime();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> sent = new ArrayList<>();
                for (int i = 0; i < CALLS; i++) {
                    int n = i;
                    Kind kind = switch (i % 10) {
                        case 0 -> Kind.DO_NOT_CALL;
                        case 1 -> Kind.BLOCKED_COUNTRY;
                        case 2 -> Kind.PREMIUM_RATE;
                        case 3, 4 -> Kind.REJECT_MODE;
                        default -> Kind.ALLOWED;
                    };
                    TestServer node = i % 2 == 0 ? a : b;
                    sent.add(pool.submit(() -> {
                        slots.acquireUninterruptibly();
                        try {
                            String to = switch (kind) {
                                case DO_NOT_CALL -> dncNumber(n % 1_000);
                                case BLOCKED_COUNTRY -> german;
                                case PREMIUM_RATE -> premium;
                                case REJECT_MODE, ALLOWED -> "+1415" + (5_000_000 + n);
                            };
                            Http.Response r = kind == Kind.REJECT_MODE
                                    ? node.http.request("POST", "/v1/admin/assistant/call").headers(headers(a, wsB))
                                            .json("{\"assistant_id\":\"" + assistantB + "\",\"to_number\":\"" + to
                                                    + "\",\"on_capacity\":\"reject\"}").send()
                                    : node.http.request("POST", "/v1/admin/assistant/call").headers(a.auth())
                                            .json("{\"assistant_id\":\"" + a.tenancy.assistantId() + "\",\"to_number\":\"" + to + "\"}")
                                            .send();
                            String outcome = r.status() == 200 ? "200" : r.status() + " " + r.errorCode();
                            outcomes.merge(kind + " " + outcome, 1, Integer::sum);
                            if (r.status() == 200) {
                                accepted.put(r.json().at("/data/call_id").asText(), kind);
                            } else if (!expected(kind, r)) {
                                wrong.add(kind + " " + to + " -> " + r.status() + " " + r.body());
                            }
                        } finally {
                            slots.release();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : sent) {
                    f.get();
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("burst: %d creates over two nodes in %.2f s (%.0f/s, %d in flight); outcomes %s%n", CALLS, seconds,
                    CALLS / seconds, IN_FLIGHT, new TreeMap<>(outcomes));

            assertThat(wrong).as("every refusal has its reason").isEmpty();
            // Counted from the database.
            String wsA = a.tenancy.workspaceId();
            assertThat(a.count("SELECT count(*) FROM calls")).as("every 200 has its row, nothing else was stored")
                    .isEqualTo(accepted.size());
            assertThat(a.count("SELECT count(*) FROM calls WHERE id = ANY('{" + String.join(",", accepted.keySet()) + "}')"))
                    .isEqualTo(accepted.size());
            assertThat(a.count("SELECT count(*) FROM dial_jobs")).isEqualTo(accepted.size());
            assertThat(a.count("SELECT count(*) FROM calls WHERE workspace_id = '" + wsA + "'"))
                    .as("workspace A accepted exactly its daily cap: the burst asked for more").isEqualTo(DAILY_CAP);
            assertThat(a.count("SELECT calls FROM workspace_days WHERE workspace_id = '" + wsA + "'")).isEqualTo(DAILY_CAP);
            assertThat(a.count("SELECT count(*) FROM calls c JOIN do_not_call d ON d.workspace_id = c.workspace_id"
                    + " AND d.number = c.to_number")).as("no listed number accepted").isZero();
            assertThat(a.count("SELECT count(*) FROM calls WHERE to_country NOT IN ('US', 'GB', 'IN') OR to_number = '" + premium + "'"))
                    .as("no refused destination accepted").isZero();
            assertThat(a.count("SELECT count(*) FROM calls WHERE workspace_id = '" + wsB + "'"))
                    .as("on_capacity reject: exactly max_concurrent_calls accepted, none beyond").isEqualTo(CONCURRENCY);
            assertThat(accepted.values()).filteredOn(k -> k != Kind.ALLOWED && k != Kind.REJECT_MODE).isEmpty();
            assertThat(outcomes.get("DO_NOT_CALL 403 do_not_call")).isEqualTo(CALLS / 10);
            assertThat(outcomes.get("ALLOWED 429 daily_cap_reached")).isEqualTo(CALLS / 2 - DAILY_CAP);
            assertThat(outcomes.get("REJECT_MODE 429 at_capacity")).isEqualTo(CALLS / 5 - CONCURRENCY);
        }
    }

    private static boolean expected(Kind kind, Http.Response r) {
        return switch (kind) {
            case DO_NOT_CALL -> r.status() == 403 && r.errorCode().equals("do_not_call");
            case BLOCKED_COUNTRY -> r.status() == 403 && r.message().contains("allowed_countries");
            case PREMIUM_RATE -> r.status() == 403 && r.message().contains("blocked_number_types");
            case ALLOWED -> r.status() == 429 && r.errorCode().equals("daily_cap_reached") && r.header("Retry-After") != null
                    && r.message().contains("max_calls_per_day (" + DAILY_CAP + ")");
            case REJECT_MODE -> r.status() == 429 && r.errorCode().equals("at_capacity")
                    && r.message().contains("max_concurrent_calls (" + CONCURRENCY + ")");
        };
    }

    private static String dncNumber(int i) {
        return "+1212" + (5_550_000 + i);
    }

    private static Map<String, String> headers(TestServer s, String workspaceId) {
        Map<String, String> h = new java.util.HashMap<>(s.auth());
        h.put("workspace", workspaceId);
        return h;
    }

    private static Http.Response patch(TestServer s, String workspaceId, String json) {
        return s.http.request("PATCH", "/v1/admin/workspace").headers(headers(s, workspaceId)).json(json).send();
    }
}
