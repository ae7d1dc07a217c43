package dev.parley.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.support.TestServer;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The published OpenAPI document and the route table describe the same API. */
@Tag("db")
class OpenApiTest {

    @Test
    void everyRouteIsDocumentedAndEveryDocumentedOperationIsARoute() {
        try (TestServer server = TestServer.start()) {
            JsonNode doc = server.http.request("GET", "/v1/openapi.json").send().json();
            assertThat(doc.get("openapi").asText()).startsWith("3.1");

            Set<String> documented = new TreeSet<>();
            Set<String> documentedWithAuth = new TreeSet<>();
            Iterator<String> paths = doc.get("paths").fieldNames();
            while (paths.hasNext()) {
                String path = paths.next();
                Iterator<String> methods = doc.get("paths").get(path).fieldNames();
                while (methods.hasNext()) {
                    String method = methods.next();
                    String op = method.toUpperCase(Locale.ROOT) + " " + path;
                    documented.add(op);
                    JsonNode security = doc.get("paths").get(path).get(method).get("security");
                    // Every operation says: the bearer key, or explicitly none ([]), as linters ask.
                    assertThat(security).as(op + " declares its security").isNotNull();
                    if (!security.isEmpty()) {
                        documentedWithAuth.add(op);
                    }
                }
            }

            var services = new ApiServer.Services(null, null, null, null, null, null, null, null, null, null, null, Json.mapper(), null, null, null, "127.0.0.1", 5060, null, null, null, null);
            Set<String> routed = new TreeSet<>();
            Set<String> routedWithAuth = new TreeSet<>();
            for (Route r : ApiServer.routes(services, new Envelope(Json.mapper()))) {
                String op = r.method().name() + " " + r.path();
                routed.add(op);
                if (r.authenticated()) {
                    routedWithAuth.add(op);
                }
            }
            assertThat(documented).isEqualTo(routed);
            assertThat(documentedWithAuth).isEqualTo(routedWithAuth);

            // Every documented route answers something other than "no such route".
            for (String op : routed) {
                String[] parts = op.split(" ", 2);
                String path = parts[1].replace("{call_id}", "c_000000000000000000000000").replace("{id}", "000000000000000000000000")
                        .replace("{carrier}", "twilio").replace("{provider}", "openai").replace("{number}", "%2B14155550123");
                int status = server.http.request(parts[0], path).send().status();
                assertThat(status).as(op).isNotIn(404, 405);
            }
        }
    }
}
