package dev.parley.dashboard;

import static dev.parley.support.Transcripts.said;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.config.ConfigLoader;
import dev.parley.dialer.DialerTest;
import dev.parley.support.Browser;
import dev.parley.support.CalleeAudio;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A test call from the dashboard in a real Chromium (issue 16): Chromium's fake microphone plays an
 * espeak-ng WAV (three seconds of silence while the greeting plays, then "yes", then silence), the
 * page streams it to the offline assistant over the call's WebSocket and plays the assistant back
 * through its AudioWorklet. The built-in yes/no flow hears the "yes", answers and hangs up; the page
 * shows the end and links to the call's page, and the call's transcript holds the "yes".
 */
@Tag("speech")
class WebCallBrowserTest {
    @RegisterExtension
    static final TestServer server = TestServer.perClass(Map.of(
            ConfigLoader.DIALER_ENABLED, "true",
            ConfigLoader.SPEECH_RECOGNIZERS, "1"));
    static Browser browser;
    static String assistant;

    @BeforeAll
    static void startBrowser() throws Exception {
        Browser.require();
        Http.Response r = server.createAssistant("{\"name\":\"Front desk\",\"config\":{\"first_message\":\"Can you hear me?\","
                + "\"end_message\":\"Goodbye.\"}}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assistant = r.json().at("/data/assistant_id").asText();
        Path microphone = CalleeAudio.of("pause:3", "yes", "pause:3");
        browser = Browser.start(server, Browser.Microphone.once(microphone));
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void aTestCallWithTheMicrophoneIsAnsweredUnderstoodAndLinkedToItsPage() throws Exception {
        browser.signIn(server.tenancy.apiKey().orElseThrow());
        browser.open("/#/test-call");
        browser.waitForHeading("Test call");
        Select pick = new Select(browser.waitVisible(By.id("test-call-assistant")));
        pick.selectByVisibleText("Front desk");
        browser.driver.findElement(By.cssSelector("form.webcall-pick button[type=submit]")).click();
        browser.waitForHeading("Test call: Front desk");
        assertThat(browser.driver.getCurrentUrl()).endsWith("#/test-call/" + assistant);
        assertThat(browser.text(By.cssSelector("label[for=test-call-level]"))).isEqualTo("Microphone level");
        assertThat(browser.driver.findElement(By.id("test-call-status")).getAttribute("role")).isEqualTo("status");

        server.awaitSpeechEngines();
        WebElement start = browser.driver.findElement(By.id("test-call-start"));
        start.sendKeys(Keys.ENTER); // by keyboard, as anyone may
        WebElement status = browser.driver.findElement(By.id("test-call-status"));
        new WebDriverWait(browser.driver, Duration.ofSeconds(10)).until(d -> "connected".equals(status.getAttribute("data-state")));
        assertThat(browser.driver.findElement(By.id("test-call-hangup")).isEnabled()).isTrue();
        new WebDriverWait(browser.driver, Duration.ofSeconds(5)).until(d -> status.getAttribute("data-first-audio-ms") != null);
        long firstAudioMs = Long.parseLong(status.getAttribute("data-first-audio-ms"));
        System.out.println("web call in Chromium: Start pressed to the greeting's first audio played: " + firstAudioMs + " ms");
        assertThat(firstAudioMs).as("Start to the greeting's first audio, ms").isBetween(1L, 5_000L);

        new WebDriverWait(browser.driver, Duration.ofSeconds(25)).until(d -> "ended".equals(status.getAttribute("data-state")));
        assertThat(status.getText()).isEqualTo("Call ended: completed, assistant-ended.");
        assertThat(browser.driver.findElements(By.cssSelector("#test-call-transcript li")).stream().map(WebElement::getText))
                .as("the live transcript").contains("Assistant: Can you hear me?", "You: yes");
        assertThat(start.isEnabled()).as("another call can start").isTrue();

        WebElement link = browser.driver.findElement(By.id("test-call-page"));
        String callId = link.getAttribute("href").replaceAll(".*#/calls/", "");
        link.click();
        new WebDriverWait(browser.driver, Duration.ofSeconds(5)).until(d -> d.getCurrentUrl().endsWith("#/calls/" + callId));

        JsonNode call = server.http.request("GET", "/v1/admin/assistant/call/" + callId).headers(server.auth()).send().json().get("data");
        assertThat(call.get("channel").asText()).isEqualTo("web");
        assertThat(call.has("to_number")).isFalse();
        assertThat(said(call, "caller")).containsExactly("yes");
        assertThat(said(call, "assistant")).containsExactly("Can you hear me?", "Great, thank you.", "Goodbye.");
        double[] rms = DialerTest.stereoRms(DialerTest.recording(server, callId));
        assertThat(rms[0]).as("the fake microphone's speech on the recording's left").isGreaterThan(100);
        assertThat(rms[1]).as("Parley's lines on its right").isGreaterThan(100);
        browser.assertNoConsoleErrors();
    }


}
