package dev.parley.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.support.Browser;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.SearchContext;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The assistants and workspace pages in a real Chromium (issue 16, items 3 and 5), used by keyboard:
 * controls are found by their labels, typed into, and activated with Enter from the tab order. What
 * the page shows is checked against what the API answers.
 */
@Tag("db")
class AdminBrowserTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass();
    static Browser browser;

    @BeforeAll
    static void signIn() {
        browser = Browser.start(server);
        browser.signIn(server.tenancy.apiKey().orElseThrow());
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @AfterEach
    void noConsoleErrors() {
        browser.assertNoConsoleErrors();
    }

    @Test
    void anAssistantIsCreatedThroughTheFormFixedAfterTheApisMessageEditedAsJsonDisabledAndCalled() {
        press(link(nav(), "Assistants"));
        browser.waitForHeading("Assistants");
        press(link(main(), "New assistant"));
        browser.waitForHeading("New assistant");

        WebElement form = form("assistant-form");
        type(control(form, "Name"), "Front desk");
        WebElement voice = control(form, "Voice");
        type(voice, "alloy");
        WebElement json = control(form, "Config as JSON");
        assertThat(json.getDomProperty("value")).as("the JSON follows the form").contains("\"voiceId\": \"alloy\"");
        String apiMessage = server.createAssistant("{\"name\": \"x\", \"config\": {\"voice\": {\"voiceId\": \"alloy\"}}}").message();
        press(button(form, "Create assistant"));

        WebElement error = browser.waitVisible(By.id(voice.getAttribute("id") + "-error"));
        assertThat(error.getText()).isEqualTo(apiMessage).contains("FreeTTS");
        assertThat(voice.getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(voice.getAttribute("aria-describedby")).contains(error.getAttribute("id"));
        assertThat(browser.focused()).as("focus goes to the field the API named").isEqualTo(voice);
        assertThat(control(form, "Name").getDomProperty("value")).as("nothing typed is lost").isEqualTo("Front desk");
        assertThat(server.count("SELECT count(*) FROM assistants WHERE name = 'Front desk'")).isZero();

        type(voice, "kevin");
        assertThat(browser.driver.findElements(By.id(voice.getAttribute("id") + "-error"))).as("edited: the old message goes").isEmpty();
        press(button(form, "Create assistant"));
        browser.waitForHeading("Front desk");
        String id = browser.driver.getCurrentUrl().replaceAll(".*#/assistants/", "");
        assertThat(id).matches("[0-9a-f]{24}");
        assertThat(main().getText()).contains("Assistant “Front desk” created.");

        press(link(nav(), "Assistants"));
        browser.waitForHeading("Assistants");
        WebElement row = browser.until(d -> d.findElements(By.xpath("//main//tr[td/a[normalize-space()='Front desk']]"))
                .stream().findFirst().orElse(null));
        assertThat(row.getText()).contains("enabled", "flow · default", "freetts · kevin", "sphinx · en-us");

        press(link(row, "Front desk"));
        browser.waitForHeading("Front desk");
        form = form("assistant-form");
        assertEveryControlIsInTheTabOrder(form);

        // The JSON editor: a syntax error names its line and holds the form; once it parses the form follows.
        json = control(form, "Config as JSON");
        type(json, "{\n\"max_duration_seconds\": 300\n\"language\": \"en-GB\"\n}");
        WebElement syntax = browser.waitVisible(By.id(json.getAttribute("id") + "-error"));
        assertThat(syntax.getText()).startsWith("JSON syntax error at line 3");
        assertThat(control(form, "Language").isEnabled()).as("the form waits for the JSON").isFalse();
        type(json, "{\n\"max_duration_seconds\": 300,\n\"language\": \"en-GB\"\n}");
        WebElement f = form;
        browser.until(d -> control(f, "Maximum duration (seconds)").getDomProperty("value").equals("300"));
        assertThat(control(form, "Language").getDomProperty("value")).isEqualTo("en-GB");
        assertThat(control(form, "Language").isEnabled()).isTrue();
        press(button(form, "Save changes"));
        browser.waitForText(By.cssSelector("form.assistant-form .form-notice [role=status]"), "Saved.");
        JsonNode saved = api("GET", "/v1/admin/assistant/" + id).at("/data");
        assertThat(saved.at("/config/max_duration_seconds").asInt()).isEqualTo(300);
        assertThat(saved.at("/config/language").asText()).isEqualTo("en-GB");

        press(button(main(), "Disable"));
        browser.waitForText(By.cssSelector(".page-head .status"), "disabled");
        assertThat(api("GET", "/v1/admin/assistant/" + id).at("/data/enabled").asBoolean()).isFalse();

        // Call a number: refused while disabled (the API's message), then placed, and the call's page opens.
        WebElement call = form("call-form");
        type(control(call, "Phone number (E.164)"), "+14155550123");
        press(button(call, "Place call"));
        WebElement refused = browser.waitVisible(By.cssSelector("form.call-form .form-notice [role=alert]"));
        assertThat(refused.getText()).containsIgnoringCase("disabled");
        press(button(main(), "Enable"));
        browser.waitForText(By.cssSelector(".page-head .status"), "enabled");
        press(button(call, "Place call"));
        String callId = browser.until(d -> d.getCurrentUrl().contains("#/calls/c_")
                ? d.getCurrentUrl().replaceAll(".*#/calls/", "") : null);
        JsonNode placed = api("GET", "/v1/admin/assistant/call/" + callId).at("/data");
        assertThat(placed.at("/assistant_id").asText()).isEqualTo(id);
        assertThat(placed.at("/to_number").asText()).isEqualTo("+14155550123");
    }

    @Test
    void callingHoursTheDoNotCallListKeysCredentialsAndTheSigningSecretAreManagedFromTheWorkspacePage() {
        String secretBefore = server.rotateSigningSecret();
        press(link(nav(), "Workspace"));
        browser.waitForHeading("Default workspace");
        assertThat(browser.driver.getPageSource()).as("the signing secret is not shown unasked").doesNotContain(secretBefore);
        assertThat(section("Webhooks").getText()).contains("The current secret ends in …" + secretBefore.substring(secretBefore.length() - 4));
        // What uses the limits is refreshed while the page is open: a call accepted now shows up by itself.
        By callsToday = By.xpath("//main//dl[contains(@class,'usage')]/dt[.='Calls today']/following-sibling::dd[1]/span[1]");
        int today = api("GET", "/v1/admin/workspace").at("/data/capacity/calls_today/in_use").asInt();
        browser.waitForText(callsToday, today + " of 1,000");
        assertThat(server.createCall("+14155550177").status()).isEqualTo(200);

        // Calling hours: a bad time gets the API's message next to it; a good one is saved.
        WebElement hours = section("Calling hours");
        type(control(hours, "From"), "25:00");
        press(button(hours, "Save calling hours"));
        WebElement from = control(hours, "From");
        assertThat(browser.waitVisible(By.id(from.getAttribute("id") + "-error")).getText())
                .isEqualTo("'calling_window.start' must be HH:MM, like 08:00");
        type(from, "09:30");
        type(control(hours, "Until"), "18:00");
        press(button(hours, "Save calling hours"));
        browser.until(d -> hours.getText().contains("Calls ring from 09:30 until 18:00"));
        assertThat(api("GET", "/v1/admin/workspace").at("/data/calling_window").toString())
                .isEqualTo("{\"start\":\"09:30\",\"end\":\"18:00\"}");

        browser.waitForText(callsToday, (today + 1) + " of 1,000");

        // The do-not-call list: a number added shows in the list; removed (confirmed), the list is empty again.
        WebElement dnc = section("Do-not-call list");
        type(control(dnc, "Numbers to add"), "+14155550111");
        press(button(dnc, "Add to the list"));
        browser.until(d -> dnc.getText().contains("1 added to the do-not-call list"));
        assertThat(dnc.findElement(By.cssSelector("tbody")).getText()).contains("+14155550111");
        assertThat(api("GET", "/v1/admin/dnc").at("/data/items/0/number").asText()).isEqualTo("+14155550111");
        press(button(dnc, "Remove +14155550111"));
        confirm("+14155550111");
        browser.until(d -> dnc.getText().contains("No numbers on the list."));
        assertThat(api("GET", "/v1/admin/dnc").at("/data/items").size()).isZero();

        // An API key: shown once with a copy button, working; revoked (confirmed), gone from the list and refused.
        WebElement keys = section("API keys");
        browser.until(d -> !keys.findElements(By.cssSelector("form.create-key")).isEmpty());
        type(control(keys, "Name"), "ci robot");
        press(button(keys, "Create key"));
        WebElement shown = browser.until(d -> keys.findElements(By.cssSelector(".shown-once input")).stream().findFirst().orElse(null));
        String newKey = shown.getDomProperty("value");
        assertThat(newKey).startsWith("prl_");
        press(button(keys, "Copy"));
        browser.until(d -> button(keys, "Copied").isDisplayed());
        assertThat(withKey(newKey).status()).isEqualTo(200);
        browser.until(d -> rowOf(keys, "ci robot") != null);
        assertThat(rowOf(keys, "ci robot").getText()).contains("active").doesNotContain(newKey);
        press(button(keys, "Revoke ci robot"));
        confirm("ci robot");
        browser.until(d -> keys.getText().contains("Key “ci robot” revoked."));
        assertThat(rowOf(keys, "ci robot")).as("a revoked key leaves the list").isNull();
        assertThat(withKey(newKey).status()).isEqualTo(401);

        // A provider key: saved from a password input that is emptied, never shown; then deleted.
        String secret = "dg-secret-" + "7".repeat(24);
        WebElement creds = section("Provider keys");
        browser.until(d -> rowOf(creds, "deepgram") != null);
        control(creds, "Provider").sendKeys("deepgram");
        WebElement keyInput = control(creds, "API key");
        assertThat(keyInput.getAttribute("type")).isEqualTo("password");
        type(keyInput, secret);
        press(button(creds, "Save key"));
        browser.until(d -> rowOf(creds, "deepgram") != null && rowOf(creds, "deepgram").getText().matches("(?s)deepgram\\s+set .*"));
        assertThat(control(creds, "API key").getDomProperty("value")).isEmpty();
        assertThat(browser.driver.getPageSource()).doesNotContain(secret);
        assertThat(api("GET", "/v1/admin/credentials").toString()).contains("\"provider\":\"deepgram\",\"source\":\"workspace\"");
        press(button(creds, "Delete the deepgram key"));
        confirm("deepgram");
        browser.until(d -> rowOf(creds, "deepgram") != null && rowOf(creds, "deepgram").getText().contains("not set"));

        // The signing secret: rotated (confirmed), the new one shown once, the old one valid 24 hours more.
        WebElement hooks = section("Webhooks");
        press(button(hooks, "Rotate signing secret"));
        confirm("24 hours");
        WebElement fresh = browser.until(d -> hooks.findElements(By.cssSelector(".shown-once input")).stream().findFirst().orElse(null));
        String newSecret = fresh.getDomProperty("value");
        JsonNode after = api("GET", "/v1/admin/workspace").at("/data");
        assertThat(newSecret).startsWith("whsec_").isNotEqualTo(secretBefore)
                .endsWith(after.at("/webhook_signing_secret_hint").asText().substring("whsec_…".length()));
        assertThat(after.at("/previous_signing_secret_valid_until").isTextual()).isTrue();
        assertThat(hooks.getText()).contains("The previous secret stays valid for 24 hours")
                .contains("The current secret ends in …" + newSecret.substring(newSecret.length() - 4));

        // Once the page is left, neither the new key nor the new secret is anywhere in it.
        press(link(nav(), "Assistants"));
        browser.waitForHeading("Assistants");
        press(link(nav(), "Workspace"));
        browser.waitForHeading("Default workspace");
        assertThat(browser.driver.getPageSource()).doesNotContain(newKey).doesNotContain(newSecret);
    }

    private static WebElement nav() {
        return browser.driver.findElement(By.cssSelector("nav[aria-label=Main]"));
    }

    private static WebElement main() {
        return browser.driver.findElement(By.id("main"));
    }

    private static WebElement form(String cssClass) {
        return browser.waitVisible(By.cssSelector("main form." + cssClass));
    }

    private static WebElement section(String title) {
        return browser.waitVisible(By.xpath("//main//section[h2[normalize-space()='" + title + "']]"));
    }

    /** The control a label names: every control the test uses is found through its label. */
    private static WebElement control(SearchContext scope, String label) {
        WebElement l = scope.findElement(By.xpath(".//label[normalize-space()='" + label + "']"));
        return browser.driver.findElement(By.id(l.getAttribute("for")));
    }

    private static WebElement button(SearchContext scope, String text) {
        return scope.findElement(By.xpath(".//button[normalize-space()='" + text + "']"));
    }

    private static WebElement link(SearchContext scope, String text) {
        return scope.findElement(By.xpath(".//a[normalize-space()='" + text + "']"));
    }

    private static WebElement rowOf(WebElement scope, String firstCell) {
        return scope.findElements(By.xpath(".//tr[td[1][starts-with(normalize-space(), '" + firstCell + "')]]"))
                .stream().findFirst().orElse(null);
    }

    /** Replaces what the control holds, key by key (select all, delete, type), as a person would. */
    private static void type(WebElement control, String text) {
        control.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        control.sendKeys(text);
    }

    /** Activates a button or link with Enter, after checking the keyboard can reach it. */
    private static void press(WebElement target) {
        assertThat(target.isDisplayed() && target.isEnabled()).as("visible and enabled: " + target.getText()).isTrue();
        assertThat(Integer.parseInt(target.getDomProperty("tabIndex"))).as("in the tab order: " + target.getText()).isNotNegative();
        target.sendKeys(Keys.ENTER);
    }

    private static void confirm(String mentioning) {
        Alert alert = browser.until(ExpectedConditions.alertIsPresent());
        assertThat(alert.getText()).contains(mentioning);
        alert.accept();
    }

    /** Tab from the first control of the form to its last: every control is passed on the way. */
    private static void assertEveryControlIsInTheTabOrder(WebElement form) {
        List<WebElement> controls = form.findElements(By.cssSelector("input, select, textarea, button"));
        browser.script("arguments[0].focus()", controls.get(0));
        List<WebElement> reached = new ArrayList<>(List.of(controls.get(0)));
        WebElement last = controls.get(controls.size() - 1);
        for (int i = 0; i < controls.size() + 10 && !browser.focused().equals(last); i++) {
            new Actions(browser.driver).sendKeys(Keys.TAB).perform();
            reached.add(browser.focused());
        }
        assertThat(reached).containsAll(controls);
    }

    private static JsonNode api(String method, String path) {
        Http.Response r = server.http.request(method, path).headers(server.auth()).send();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static Http.Response withKey(String key) {
        return server.http.request("GET", "/v1/admin/assistant").headers(Map.of("workspace", server.tenancy.workspaceId(),
                "organization", server.tenancy.organizationId(), "Authorization", "Bearer " + key)).send();
    }
}
