package dev.parley.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.support.Browser;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The workspace picker in a real Chromium: a key of the whole organization moves the calls, the
 * assistants and the workspace page from one workspace to another, and the choice is kept across a
 * reload; a key limited to one workspace is offered only that one; a workspace deleted while open
 * gives way to one the key still reaches. No dialer: the call placed stays queued, listed all the same.
 */
@Tag("db")
class WorkspacePickerBrowserTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass();
    static Browser browser;
    static String home;
    static String homeName;
    static String night;

    @BeforeAll
    static void start() {
        Browser.require();
        home = server.tenancy.workspaceId();
        homeName = server.http.request("GET", "/v1/admin/workspace").headers(server.auth()).send().json().at("/data/name").asText();
        night = createWorkspace("Night shift");
        assertThat(send("PATCH", "/v1/admin/workspace", night, "{\"limits\":{\"max_concurrent_calls\":7}}").status()).isEqualTo(200);
        assertThat(send("POST", "/v1/admin/assistant", home, "{\"name\":\"Day desk\",\"config\":{}}").status()).isEqualTo(200);
        String nightLine = send("POST", "/v1/admin/assistant", night, "{\"name\":\"Night line\",\"config\":{}}")
                .json().at("/data/assistant_id").asText();
        assertThat(send("POST", "/v1/admin/assistant/call", night,
                "{\"assistant_id\":\"" + nightLine + "\",\"to_number\":\"+14155550188\"}").status()).isEqualTo(200);
        browser = Browser.start(server);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @BeforeEach
    void signedOutWithNoChoiceKept() {
        browser.signedOut();
    }

    @AfterEach
    void noConsoleErrors() {
        browser.assertNoConsoleErrors();
    }

    @Test
    void thePickerMovesTheCallsTheAssistantsAndTheWorkspacePageAndAReloadKeepsTheChoice() {
        browser.signIn(server.tenancy.apiKey().orElseThrow());
        assertThat(picker().getOptions()).extracting(WebElement::getText).containsExactly(homeName, "Night shift");
        assertThat(picker().getFirstSelectedOption().getText()).isEqualTo(homeName);

        browser.waitForTextContaining(By.cssSelector("main p.empty"), "No calls yet");
        picker().selectByVisibleText("Night shift");
        WebElement row = browser.until(d -> d.findElements(By.cssSelector("main tbody tr")).stream().findFirst().orElse(null));
        String text = browser.until(d -> row.getText().contains("Night line") ? row.getText() : null);
        assertThat(text).contains("+14155550188");
        assertThat(browser.driver.findElement(By.cssSelector("main p.empty")).isDisplayed()).isFalse();

        browser.driver.findElement(By.cssSelector("[data-nav=assistants]")).click();
        browser.waitForHeading("Assistants");
        assertThat(assistantNames()).contains("Night line").doesNotContain("Day desk");
        picker().selectByVisibleText(homeName);
        browser.until(d -> assistantNames().contains("Day desk"));
        assertThat(assistantNames()).doesNotContain("Night line");

        browser.driver.findElement(By.cssSelector("[data-nav=workspace]")).click();
        browser.waitForHeading(homeName);
        assertThat(callsAtOnce()).isNotEqualTo("7");
        picker().selectByVisibleText("Night shift");
        browser.waitForHeading("Night shift");
        assertThat(callsAtOnce()).isEqualTo("7");

        browser.driver.navigate().refresh();
        browser.waitForHeading("Night shift");
        assertThat(picker().getFirstSelectedOption().getText()).isEqualTo("Night shift");
        assertThat(callsAtOnce()).isEqualTo("7");
    }

    @Test
    void aKeyLimitedToOneWorkspaceIsOfferedOnlyThatOne() {
        Http.Response key = server.http.request("POST", "/v1/admin/api-keys").headers(server.auth())
                .json("{\"name\":\"night only\",\"workspace_id\":\"" + night + "\"}").send();
        browser.signIn(key.json().at("/data/api_key").asText());
        assertThat(picker().getOptions()).extracting(WebElement::getText).containsExactly("Night shift");
        browser.driver.findElement(By.cssSelector("[data-nav=assistants]")).click();
        browser.waitForHeading("Assistants");
        assertThat(assistantNames()).contains("Night line").doesNotContain("Day desk");
    }

    @Test
    void aWorkspaceDeletedWhileOpenGivesWayToOneTheKeyStillReaches() {
        String brief = createWorkspace("Short-lived");
        browser.signIn(server.tenancy.apiKey().orElseThrow());
        picker().selectByVisibleText("Short-lived");
        browser.waitForTextContaining(By.cssSelector("main p.empty"), "No calls yet");

        // Someone else deletes it; the calls list, asking every 1.5 s, finds out.
        assertThat(server.http.request("DELETE", "/v1/admin/workspaces/" + brief).headers(server.auth()).send().status()).isEqualTo(200);
        WebElement said = browser.waitForTextContaining(By.cssSelector("main .notice"), "\"Short-lived\" is no longer available");
        assertThat(said.getText()).contains("Showing \"" + homeName + "\"");
        browser.waitForHeading("Calls");
        assertThat(picker().getOptions()).extracting(WebElement::getText).containsExactly(homeName, "Night shift");
        assertThat(picker().getFirstSelectedOption().getText()).isEqualTo(homeName);

        browser.driver.navigate().refresh();
        browser.waitForHeading("Calls");
        assertThat(picker().getFirstSelectedOption().getText()).isEqualTo(homeName);
        assertThat(browser.driver.findElements(By.cssSelector("main .notice"))).isEmpty();
    }

    private static Select picker() {
        return new Select(browser.driver.findElement(By.id("workspace-select")));
    }

    private static List<String> assistantNames() {
        return browser.driver.findElements(By.cssSelector("main table.assistants td[data-label=Name]")).stream()
                .map(WebElement::getText).toList();
    }

    private static String callsAtOnce() {
        WebElement label = browser.driver.findElement(By.xpath("//main//label[normalize-space()='Calls at once']"));
        return browser.driver.findElement(By.id(label.getAttribute("for"))).getDomProperty("value");
    }

    private static String createWorkspace(String name) {
        Http.Response r = server.http.request("POST", "/v1/admin/workspaces").headers(server.auth()).json("{\"name\":\"" + name + "\"}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().at("/data/workspace_id").asText();
    }

    private static Http.Response send(String method, String path, String workspace, String json) {
        Map<String, String> headers = new HashMap<>(server.auth());
        headers.put("workspace", workspace);
        return server.http.request(method, path).headers(headers).json(json).send();
    }
}
