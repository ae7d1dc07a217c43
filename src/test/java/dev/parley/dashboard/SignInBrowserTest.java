package dev.parley.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.support.Browser;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import dev.parley.tenancy.TenancyStore;
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
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * Signing in to the dashboard in a real Chromium (issue 16): the form, the API's message for a wrong
 * key or one that reaches no workspace, the session across a reload, a session ended by its key's
 * revocation, signing out (also when it fails), CSRF (and a token made stale by a sign-in in another
 * tab) and the HttpOnly cookie as the page sees them, and the form by keyboard alone. One browser for
 * the class; each test starts signed out.
 */
@Tag("db")
class SignInBrowserTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass();
    static Browser browser;

    @BeforeAll
    static void startBrowser() {
        browser = Browser.start(server);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @BeforeEach
    void signedOut() {
        browser.signedOut();
    }

    @AfterEach
    void noConsoleErrors() {
        browser.assertNoConsoleErrors();
    }

    @Test
    void theFormComesFirstAWrongKeyShowsTheApisMessageAndTheRightKeyShowsTheCalls() {
        assertThat(browser.driver.getTitle()).isEqualTo("Sign in · Parley");
        assertThat(browser.text(By.cssSelector("label[for=api-key]"))).isEqualTo("API key");
        assertThat(browser.driver.findElement(By.id("top")).isDisplayed()).as("the navigation before signing in").isFalse();

        String wrongKey = "prl_wrong_" + "x".repeat(32);
        String apiMessage = server.http.request("POST", "/v1/dashboard/session")
                .json("{\"api_key\":\"" + wrongKey + "\"}").send().message();
        assertThat(apiMessage).isNotBlank();
        browser.driver.findElement(By.id("api-key")).sendKeys(wrongKey);
        browser.driver.findElement(By.cssSelector("form.sign-in button[type=submit]")).click();
        browser.waitForText(By.cssSelector("#sign-in-error [role=alert]"), apiMessage);
        assertThat(browser.focused().getAttribute("id")).as("focus goes back to the key").isEqualTo("api-key");
        assertThat(browser.driver.manage().getCookieNamed("parley_session")).isNull();

        browser.signIn(server.tenancy.apiKey().orElseThrow());
        assertThat(browser.driver.getCurrentUrl()).endsWith("/#/calls");
        assertThat(browser.driver.getTitle()).isEqualTo("Calls · Parley");
        assertThat(browser.driver.findElement(By.cssSelector("[data-nav=calls]")).getAttribute("aria-current")).isEqualTo("page");
        assertThat(browser.driver.getPageSource()).doesNotContain(server.tenancy.apiKey().orElseThrow());
    }

    @Test
    void aReloadKeepsTheSession() {
        browser.signIn(server.tenancy.apiKey().orElseThrow());
        browser.open("/#/assistants");
        browser.waitForHeading("Assistants");
        browser.driver.navigate().refresh();
        browser.waitForHeading("Assistants");
        assertThat(browser.driver.findElement(By.id("top")).isDisplayed()).isTrue();
        assertThat(browser.driver.findElements(By.id("api-key"))).isEmpty();
    }

    @Test
    void signingOutReturnsToTheFormAndTheOldCookieIsRefused() {
        browser.signIn(server.tenancy.apiKey().orElseThrow());
        String oldCookie = browser.driver.manage().getCookieNamed("parley_session").getValue();
        assertThat(sessionWith(oldCookie).status()).isEqualTo(200);

        browser.driver.findElement(By.id("sign-out")).click();
        browser.waitForText(By.id("sign-in-title"), "Sign in to Parley");
        assertThat(browser.driver.findElement(By.id("top")).isDisplayed()).isFalse();
        assertThat(browser.driver.manage().getCookieNamed("parley_session")).isNull();

        Http.Response refused = sessionWith(oldCookie);
        assertThat(refused.status()).isEqualTo(401);
        Http.Response calls = server.http.request("GET", "/v1/admin/assistant")
                .header("Cookie", "parley_session=" + oldCookie).header("workspace", server.tenancy.workspaceId()).send();
        assertThat(calls.status()).isEqualTo(401);

        // The old cookie put back into the browser opens nothing: a reload shows the form.
        browser.driver.manage().addCookie(new Cookie("parley_session", oldCookie));
        browser.driver.navigate().refresh();
        browser.waitForText(By.id("sign-in-title"), "Sign in to Parley");
        assertThat(browser.driver.findElement(By.id("top")).isDisplayed()).isFalse();
    }

    @Test
    void aChangeFromThePageNeedsTheCsrfTokenAndTheCookieIsHiddenFromScripts() {
        browser.signIn(server.tenancy.apiKey().orElseThrow());
        String workspace = server.tenancy.workspaceId();
        String body = "{\"name\":\"made in the browser\",\"config\":{}}";

        Browser.Fetched without = browser.fetch("POST", "/v1/admin/assistant",
                Map.of("workspace", workspace, "Content-Type", "application/json"), body);
        assertThat(without.status()).isEqualTo(403);
        assertThat(without.errorCode()).isEqualTo("csrf_token_invalid");
        Browser.Fetched wrong = browser.fetch("POST", "/v1/admin/assistant",
                Map.of("workspace", workspace, "Content-Type", "application/json", "X-CSRF-Token", "not-the-token"), body);
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(wrong.errorCode()).isEqualTo("csrf_token_invalid");
        assertThat(server.count("SELECT count(*) FROM assistants WHERE name = 'made in the browser'")).isZero();

        String csrf = browser.fetch("GET", "/v1/dashboard/session", Map.of(), null).json().at("/data/csrf_token").asText();
        assertThat(csrf).isNotBlank();
        Browser.Fetched with = browser.fetch("POST", "/v1/admin/assistant",
                Map.of("workspace", workspace, "Content-Type", "application/json", "X-CSRF-Token", csrf), body);
        assertThat(with.status()).isEqualTo(200);
        assertThat(server.count("SELECT count(*) FROM assistants WHERE name = 'made in the browser'")).isOne();

        // HttpOnly: the browser holds the cookie, no script on the page can read it.
        Cookie cookie = browser.driver.manage().getCookieNamed("parley_session");
        assertThat(cookie.isHttpOnly()).isTrue();
        assertThat(cookie.getSameSite()).isEqualTo("Strict");
        assertThat((String) browser.script("return document.cookie;")).doesNotContain("parley_session").doesNotContain(cookie.getValue());
    }

    @Test
    void theFormWorksByKeyboardAlone() {
        assertThat(browser.focused().getAttribute("id")).as("the key field has the focus on arrival").isEqualTo("api-key");
        browser.focused().sendKeys(server.tenancy.apiKey().orElseThrow());
        browser.focused().sendKeys(Keys.TAB);
        assertThat(browser.focused().getText()).isEqualTo("Sign in");
        assertThat(browser.focused().getCssValue("outline-style")).as("visible focus on the button").isEqualTo("solid");
        browser.focused().sendKeys(Keys.ENTER);
        browser.waitForHeading("Calls");
        assertThat(browser.focused().getTagName()).as("focus moves to the new page's heading").isEqualTo("h1");
    }

    @Test
    void aSessionWhoseKeyIsRevokedEndsOnTheFormWithTheApisReasonAlsoAfterAReload() {
        JsonNode key = createKey("revoked while signed in");
        browser.signIn(key.get("api_key").asText()); // the calls list asks the API every 1.5 s
        String cookie = "parley_session=" + browser.driver.manage().getCookieNamed("parley_session").getValue();
        assertThat(server.http.request("DELETE", "/v1/admin/api-keys/" + key.get("api_key_id").asText()).headers(server.auth())
                .send().status()).isEqualTo(200);
        String reason = server.http.request("GET", "/v1/admin/assistant").header("Cookie", cookie)
                .header("workspace", server.tenancy.workspaceId()).send().message();
        assertThat(reason).contains("revoked");

        browser.waitForText(By.cssSelector("#sign-in-error [role=alert]"), "Your session ended: " + reason);
        assertThat(browser.driver.findElement(By.id("top")).isDisplayed()).isFalse();
        // The cookie is still in the browser; a reload reads the session again and says the same.
        browser.driver.navigate().refresh();
        browser.waitForText(By.cssSelector("#sign-in-error [role=alert]"), "Your session ended: " + reason);
        assertThat(browser.focused().getAttribute("id")).isEqualTo("api-key");
    }

    @Test
    void aKeyThatReachesNoWorkspaceIsRefusedWithWhatToDo() {
        TenancyStore store = new TenancyStore(server.app.database().jdbi());
        String key = server.app.database().jdbi().inTransaction(h ->
                store.issueKey(h, store.createOrganization(h, "no workspace yet").id(), "lonely"));
        String apiMessage = server.http.request("POST", "/v1/dashboard/session").json("{\"api_key\":\"" + key + "\"}").send().message();
        assertThat(apiMessage).contains("parley workspaces create");

        browser.driver.findElement(By.id("api-key")).sendKeys(key);
        browser.driver.findElement(By.cssSelector("form.sign-in button[type=submit]")).click();
        browser.waitForText(By.cssSelector("#sign-in-error [role=alert]"), apiMessage);
        assertThat(browser.driver.findElement(By.id("top")).isDisplayed()).isFalse();
        assertThat(browser.driver.manage().getCookieNamed("parley_session")).isNull();
    }

    @Test
    void afterASignInElsewhereAChangeAndSigningOutAreSentAgainWithTheNewSessionsToken() {
        browser.signIn(server.tenancy.apiKey().orElseThrow());
        // Another tab signs in: the browser's one cookie is now that session's, this page's CSRF token is stale.
        String first = cookieValue();
        signInFromThePage();
        assertThat(cookieValue()).isNotEqualTo(first);

        browser.driver.findElement(By.cssSelector("[data-nav=assistants]")).click();
        browser.waitForHeading("Assistants");
        browser.driver.findElement(By.linkText("New assistant")).click();
        browser.waitForHeading("New assistant");
        WebElement name = browser.driver.findElement(By.xpath("//main//form//label[normalize-space()='Name']/following-sibling::input"));
        name.sendKeys("Made after another tab signed in");
        browser.driver.findElement(By.xpath("//main//button[normalize-space()='Create assistant']")).click();
        browser.waitForHeading("Made after another tab signed in");
        assertThat(server.count("SELECT count(*) FROM assistants WHERE name = 'Made after another tab signed in'")).isOne();

        signInFromThePage();
        String last = cookieValue();
        browser.driver.findElement(By.id("sign-out")).click();
        browser.waitForText(By.id("sign-in-title"), "Sign in to Parley");
        assertThat(browser.driver.findElements(By.cssSelector("#sign-in-error [role=alert]"))).isEmpty();
        assertThat(sessionWith(last).status()).as("the session the cookie held is over").isEqualTo(401);
    }

    @Test
    void aSignOutThatFailsSaysSoAndLeavesTheSessionAsItWas() {
        browser.signIn(server.tenancy.apiKey().orElseThrow());
        String cookie = cookieValue();
        browser.driver.executeCdpCommand("Network.enable", Map.of());
        browser.driver.executeCdpCommand("Network.setBlockedURLs", Map.of("urls", List.of("*/v1/dashboard/session")));
        try {
            browser.driver.findElement(By.id("sign-out")).click();
            browser.waitForTextContaining(By.cssSelector("main .notice[role=alert]"), "Signing out failed, so you are still signed in");
        } finally {
            browser.driver.executeCdpCommand("Network.setBlockedURLs", Map.of("urls", List.of()));
        }
        assertThat(browser.driver.findElement(By.id("top")).isDisplayed()).isTrue();
        assertThat(sessionWith(cookie).status()).isEqualTo(200);
        assertThat(browser.consoleErrors()).as("only the blocked request").allSatisfy(e -> assertThat(e).contains("ERR_BLOCKED_BY_CLIENT"));
        browser.clearConsoleErrors();

        browser.driver.findElement(By.id("sign-out")).click();
        browser.waitForText(By.id("sign-in-title"), "Sign in to Parley");
        assertThat(sessionWith(cookie).status()).isEqualTo(401);
    }

    @Test
    void theHarnessSeesContentPolicyViolationsAndScriptErrors() {
        // The console check is not vacuous: an inline style refused by the page's policy, an uncaught error.
        browser.script("const d = document.createElement('div'); d.setAttribute('style', 'color: red');"
                + " document.body.append(d); setTimeout(() => { throw new Error('thrown by the test'); });");
        browser.until(d -> browser.consoleErrors().size() >= 2);
        assertThat(browser.consoleErrors()).anySatisfy(e -> assertThat(e).contains("Content Security Policy"))
                .anySatisfy(e -> assertThat(e).contains("thrown by the test"));
        browser.clearConsoleErrors();
    }

    private static String cookieValue() {
        return browser.driver.manage().getCookieNamed("parley_session").getValue();
    }

    /** What signing in on another tab does to this one: the browser's cookie is replaced. */
    private static void signInFromThePage() {
        Browser.Fetched again = browser.fetch("POST", "/v1/dashboard/session", Map.of("Content-Type", "application/json"),
                "{\"api_key\":\"" + server.tenancy.apiKey().orElseThrow() + "\"}");
        assertThat(again.status()).isEqualTo(200);
    }

    private static JsonNode createKey(String name) {
        Http.Response r = server.http.request("POST", "/v1/admin/api-keys").headers(server.auth()).json("{\"name\":\"" + name + "\"}").send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("data");
    }

    private static Http.Response sessionWith(String cookie) {
        return server.http.request("GET", "/v1/dashboard/session").header("Cookie", "parley_session=" + cookie).send();
    }
}
