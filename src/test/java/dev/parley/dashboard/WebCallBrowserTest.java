package dev.parley.dashboard;

import static dev.parley.support.Transcripts.said;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.config.ConfigLoader;
import dev.parley.dialer.DialerTest;
import dev.parley.support.Await;
import dev.parley.support.Browser;
import dev.parley.support.CalleeAudio;
import dev.parley.support.Http;
import dev.parley.support.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
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
 * through its AudioWorklet, which converts between the device's rate (Chromium's is not 8 kHz) and
 * the call's. The built-in yes/no flow hears the "yes", answers and hangs up; the page
 * shows the end and links to the call's page, and the call's transcript holds the "yes".
 */
@Tag("speech")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
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
        browser.signIn(server.tenancy.apiKey().orElseThrow());
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    /** Before the failures below: the fake microphone's file plays once, from the first page that opens it. */
    @Test
    @Order(2)
    void aTestCallWithTheMicrophoneIsAnsweredUnderstoodAndLinkedToItsPage() throws Exception {
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
        int deviceRate = Integer.parseInt(status.getAttribute("data-sample-rate"));
        System.out.println("web call in Chromium: the page's AudioContext runs at " + deviceRate + " Hz");
        assertThat(deviceRate).as("the AudioContext's rate: the device's own, converted to the call's 8 kHz in the worklet")
                .isNotEqualTo(8_000);
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

    /**
     * The worklet's converters, run in the page on tones: the call's band passes at its level, what
     * lies above 4 kHz does not fold back into it (a 6 kHz tone would come out as 2 kHz), the playback's
     * images above 4 kHz are gone, and cutting the input into render quanta changes nothing.
     */
    @Test
    @Order(1)
    void theWorkletsConvertersKeepTheCallsBandAndStopWhatWouldFoldIntoIt() {
        browser.open("/");
        browser.until(d -> "complete".equals(browser.script("return document.readyState;")));
        @SuppressWarnings("unchecked")
        Map<String, Object> measured = (Map<String, Object>) browser.driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                import('/ui/webcall-worklet.js').then(({ Downsampler, Upsampler, CALL_RATE }) => {
                  const tone = (hz, rate, n) => Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin(2 * Math.PI * hz * i / rate));
                  const down = (rate, x, quantum) => {
                    const d = new Downsampler(rate), out = [];
                    for (let i = 0; i < x.length; i += quantum) d.push(x.subarray(i, i + quantum), v => out.push(v));
                    return out;
                  };
                  const up = (rate, x) => {
                    const u = new Upsampler(rate), out = new Float32Array(Math.floor(x.length * rate / CALL_RATE / 128) * 128);
                    let k = 0;
                    for (let i = 0; i < out.length; i += 128) u.render(out.subarray(i, i + 128), () => (k < x.length ? x[k++] : 0));
                    return out;
                  };
                  // Amplitude at one frequency (correlation over whole periods), and the RMS, past the filter's start.
                  const amplitude = (y, hz, rate) => {
                    let s = 0, c = 0, n = 0;
                    for (let i = rate / 50; i < y.length - rate / 50; i++, n++) {
                      s += y[i] * Math.sin(2 * Math.PI * hz * i / rate);
                      c += y[i] * Math.cos(2 * Math.PI * hz * i / rate);
                    }
                    return 2 * Math.hypot(s, c) / n;
                  };
                  const rms = (y, rate) => {
                    let e = 0, n = 0;
                    for (let i = rate / 50; i < y.length - rate / 50; i++, n++) e += y[i] * y[i];
                    return Math.sqrt(e / n);
                  };
                  const dB = (a) => 20 * Math.log10(a / 0.5);
                  const result = {};
                  for (const rate of [48000, 44100]) {
                    const second = tone(1000, rate, rate);
                    const down1k = down(rate, second, 128);
                    result[`${rate}_down_samples`] = down1k.length;
                    result[`${rate}_down_1k_dB`] = dB(amplitude(down1k, 1000, CALL_RATE));
                    result[`${rate}_down_1k_rms_dB`] = dB(rms(down1k, CALL_RATE) * Math.SQRT2);
                    result[`${rate}_down_3400_dB`] = dB(amplitude(down(rate, tone(3400, rate, rate), 128), 3400, CALL_RATE));
                    result[`${rate}_down_6k_dB`] = dB(rms(down(rate, tone(6000, rate, rate), 128), CALL_RATE) * Math.SQRT2);
                    const whole = down(rate, second, second.length);
                    result[`${rate}_quanta_vs_whole`] = Math.max(...down1k.map((v, i) => Math.abs(v - whole[i])));
                    const up1k = up(rate, tone(1000, CALL_RATE, CALL_RATE));
                    result[`${rate}_up_1k_dB`] = dB(amplitude(up1k, 1000, rate));
                    result[`${rate}_up_image_7k_dB`] = dB(amplitude(up1k, 7000, rate));
                  }
                  done(result);
                }).catch(e => done({ error: String(e) }));
                """);
        System.out.println("the worklet's converters in Chromium: " + measured);
        assertThat(measured).doesNotContainKey("error");
        for (String rate : new String[] {"48000", "44100"}) {
            assertThat(((Number) measured.get(rate + "_down_samples")).intValue()).as(rate + " Hz: one second in, 8 kHz out")
                    .isBetween(7_950, 8_000);
            assertThat(number(measured, rate + "_down_1k_dB")).as(rate + " Hz: 1 kHz keeps its level").isBetween(-0.1, 0.1);
            assertThat(number(measured, rate + "_down_1k_rms_dB")).as(rate + " Hz: and all of it is at 1 kHz").isBetween(-0.1, 0.1);
            assertThat(number(measured, rate + "_down_3400_dB")).as(rate + " Hz: the telephone band's top").isBetween(-0.5, 0.1);
            assertThat(number(measured, rate + "_down_6k_dB")).as(rate + " Hz: 6 kHz would fold to 2 kHz").isLessThan(-60);
            assertThat(number(measured, rate + "_quanta_vs_whole")).as(rate + " Hz: 128-sample quanta join seamlessly").isLessThan(1e-6);
            assertThat(number(measured, rate + "_up_1k_dB")).as(rate + " Hz: played 1 kHz keeps its level").isBetween(-0.1, 0.1);
            assertThat(number(measured, rate + "_up_image_7k_dB")).as(rate + " Hz: its image at 7 kHz").isLessThan(-60);
        }
        browser.assertNoConsoleErrors();
    }

    /**
     * Audio that cannot be set up is said in words, with what to do, and leaves no call ringing: the
     * failure Firefox had with an 8 kHz context (its microphone would not connect) cancels the call
     * just placed; a browser that cannot make the audio at all places none.
     */
    @Test
    @Order(3)
    void audioThatCannotBeSetUpIsExplainedAndLeavesNoCallRinging() {
        browser.open("/#/test-call/" + assistant);
        browser.driver.navigate().refresh(); // a fresh page, whatever the test before left in it
        browser.waitForHeading("Test call: Front desk");
        browser.script("AudioContext.prototype.createMediaStreamSource = function () { throw new DOMException("
                + "'Connecting AudioNodes from AudioContexts with different sample-rate is currently not supported.', 'NotSupportedError'); };");
        assertThat(startAndReadTheError()).isEqualTo("The browser could not connect the microphone to the call (NotSupportedError:"
                + " Connecting AudioNodes from AudioContexts with different sample-rate is currently not supported.). Try again,"
                + " or use another browser.");
        assertThat(browser.driver.findElement(By.id("test-call-start")).isEnabled()).as("Start again").isTrue();
        String placed = browser.text(By.cssSelector("#test-call-facts dd .mono"));
        Await.until("the placed call canceled", Duration.ofSeconds(5), () -> !call(placed).get("ended_at").isNull());
        assertThat(call(placed).get("status").asText()).isEqualTo("canceled");

        browser.driver.navigate().refresh();
        browser.waitForHeading("Test call: Front desk");
        int webCalls = webCalls();
        browser.script("window.AudioContext = class { constructor() { throw new DOMException('no audio output', 'NotSupportedError'); } };");
        assertThat(startAndReadTheError()).isEqualTo("The browser could not set up the call's audio (NotSupportedError: no audio"
                + " output). Reload the page and try again, or use another browser.");
        assertThat(webCalls()).as("no call placed").isEqualTo(webCalls);
        browser.driver.navigate().refresh();
        browser.assertNoConsoleErrors();
    }

    private static String startAndReadTheError() {
        browser.driver.findElement(By.id("test-call-start")).click();
        browser.until(d -> "failed".equals(d.findElement(By.id("test-call-status")).getAttribute("data-state")));
        return browser.text(By.cssSelector("#test-call-messages .notice.error"));
    }

    private static JsonNode call(String id) {
        return server.http.request("GET", "/v1/admin/assistant/call/" + id).headers(server.auth()).send().json().get("data");
    }

    private static int webCalls() {
        return server.http.request("GET", "/v1/admin/assistant/calls?channel=web").headers(server.auth()).send().json()
                .at("/data/items").size();
    }

    private static double number(Map<String, Object> measured, String key) {
        return ((Number) measured.get(key)).doubleValue();
    }
}
