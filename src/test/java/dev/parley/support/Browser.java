package dev.parley.support;

import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, headless, driven through Debian's chromedriver: one browser with a throwaway
 * profile per instance, pointed at one server. Tests use it as a person would (open a page, fill the
 * form, read what is shown) and fail on any error in the browser's console: a script error, a
 * Content-Security-Policy violation or an API answer of 5xx.
 *
 * <p>The driver binary is always named here, so Selenium Manager (which would download one) is never
 * asked; the surefire configuration also points {@code SE_MANAGER_PATH} at {@code /bin/false} so an
 * accidental call fails at once instead of reaching for the network.
 *
 * <p>With CI=true a missing chromium or chromedriver fails the test; elsewhere the test is skipped.
 */
public final class Browser implements AutoCloseable {
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** How long a page may take to show what a test waits for: generous for a loaded 2-core machine. */
    public static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(50);
    /** A page that refreshes itself never stops changing: {@link #settle} gives up after this. */
    static final Duration SETTLE_AT_MOST = Duration.ofSeconds(4);
    public static final int DESKTOP_WIDTH = 1280;
    public static final int DESKTOP_HEIGHT = 900;
    public static final int PHONE_WIDTH = 390;
    public static final int PHONE_HEIGHT = 844;

    /**
     * The page shows the API's 4xx answers itself (a wrong key, a validation message), yet Chromium
     * still logs each as "Failed to load resource": those are not errors of the page. A 5xx is.
     */
    private static final Pattern EXPECTED_CLIENT_ERROR =
            Pattern.compile(".*Failed to load resource: the server responded with a status of 4\\d\\d .*");
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Selenium looks for a DevTools binding of Chromium's exact version at every start and warns when
     * it has none; the harness uses no binding (only plain CDP commands), so the warning says nothing.
     * Held here: java.util.logging keeps loggers weakly, and a collected one forgets its level.
     */
    private static final Logger CDP_VERSION_FINDER = quiet("org.openqa.selenium.devtools.CdpVersionFinder");

    /**
     * The fake microphone: Chromium plays {@code wav} as the capture device, from its start when the
     * page opens the microphone. {@code loop=false} appends Chromium's {@code %noloop} suffix (as
     * Chromium's own WebRTC audio-quality browser test does): the file plays once; without it, it
     * repeats for as long as the page listens. End a {@code once} file with a second or more of
     * silence: measured with Chromium 156, a file ending in a tone went on sounding after its end
     * (the device repeats its last buffer), one ending in silence was silent from then on.
     */
    public record Microphone(Path wav, boolean loop) {
        public static Microphone once(Path wav) {
            return new Microphone(wav, false);
        }

        public static Microphone looping(Path wav) {
            return new Microphone(wav, true);
        }

        String argument() {
            return "--use-file-for-fake-audio-capture=" + wav.toAbsolutePath() + (loop ? "" : "%noloop");
        }
    }

    /** What a {@code fetch} from the page got: its status and body as the page saw them. */
    public record Fetched(int status, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("response is not JSON: " + body, e);
            }
        }

        public String errorCode() {
            return json().path("error").path("code").asText(null);
        }
    }

    public final ChromeDriver driver;
    private final String baseUrl;
    private final Path profile;
    private final ChromeDriverService service;
    private final List<String> consoleErrors = new ArrayList<>();

    private Browser(ChromeDriver driver, ChromeDriverService service, String baseUrl, Path profile) {
        this.driver = driver;
        this.service = service;
        this.baseUrl = baseUrl;
        this.profile = profile;
    }

    private static Logger quiet(String name) {
        Logger logger = Logger.getLogger(name);
        logger.setLevel(Level.OFF);
        return logger;
    }

    /** Fails (CI=true) or skips the test when Debian's chromium or chromium-driver is not installed. */
    public static void require() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("Chromium is missing: install the Debian packages chromium and chromium-driver"
                    + " (.ci/run does); looked for " + CHROMIUM + " and " + CHROMEDRIVER);
        }
        assumeThat(present).as("Chromium (Debian packages chromium and chromium-driver) is installed").isTrue();
    }

    /** A browser for the server at {@code baseUrl} (e.g. {@code http://127.0.0.1:41234}). */
    public static Browser start(String baseUrl) {
        return start(baseUrl, null);
    }

    public static Browser start(TestServer server) {
        return start("http://127.0.0.1:" + server.app.port(), null);
    }

    /** With a fake microphone playing a WAV file, microphone permission granted without asking. */
    public static Browser start(TestServer server, Microphone microphone) {
        return start("http://127.0.0.1:" + server.app.port(), microphone);
    }

    public static Browser start(String baseUrl, Microphone microphone) {
        require();
        Path profile;
        try {
            profile = Files.createTempDirectory("parley-chromium");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=" + DESKTOP_WIDTH + "," + DESKTOP_HEIGHT, "--user-data-dir=" + profile,
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
                "--disable-background-networking", "--disable-component-update", "--lang=en-US",
                "--force-device-scale-factor=1", "--hide-scrollbars",
                // a recording's player or the assistant's voice plays without a click first
                "--autoplay-policy=no-user-gesture-required");
        if (microphone != null) {
            if (!Files.isReadable(microphone.wav())) {
                throw new IllegalArgumentException("the fake microphone's WAV file is missing: " + microphone.wav());
            }
            options.addArguments("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                    microphone.argument());
        }
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        options.setPageLoadTimeout(WAIT);
        options.setScriptTimeout(WAIT);

        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogOutput(OutputStream.nullOutputStream())
                .build();
        try {
            ChromeDriver driver = new ChromeDriver(service, options);
            Browser browser = new Browser(driver, service, baseUrl, profile);
            browser.fitViewport();
            return browser;
        } catch (RuntimeException e) {
            service.stop();
            deleteTree(profile);
            throw e;
        }
    }

    /**
     * Headless Chromium still subtracts a window frame from --window-size; the page (and every
     * screenshot) should get exactly 1280 x 900 CSS pixels, so the window grows by the difference.
     */
    private void fitViewport() {
        @SuppressWarnings("unchecked")
        List<Number> inner = (List<Number>) script("return [window.innerWidth, window.innerHeight];");
        int width = 2 * DESKTOP_WIDTH - inner.get(0).intValue();
        int height = 2 * DESKTOP_HEIGHT - inner.get(1).intValue();
        driver.manage().window().setSize(new Dimension(width, height));
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** Opens a path of the server ({@code /}, {@code /#/calls}) and waits for the document to load. */
    public Browser open(String path) {
        driver.get(baseUrl + path);
        return this;
    }

    /**
     * Signed out, as a browser that never came: no cookie, nothing the pages kept (the last workspace
     * picked), the sign-in form shown.
     */
    public Browser signedOut() {
        open("/");
        driver.manage().deleteAllCookies();
        script("localStorage.clear();");
        open("/");
        waitForText(By.id("sign-in-title"), "Sign in to Parley");
        return this;
    }

    /** Signs in through the real form: the key typed into the field, the button pressed, the Calls page shown. */
    public Browser signIn(String apiKey) {
        if (!driver.getCurrentUrl().startsWith(baseUrl)) {
            open("/");
        }
        WebElement key = waitVisible(By.id("api-key"));
        key.clear();
        key.sendKeys(apiKey);
        driver.findElement(By.cssSelector("form.sign-in button[type=submit]")).click();
        waitVisible(By.id("top"));
        waitForHeading("Calls");
        return this;
    }

    /**
     * Waits (at most {@link #WAIT}) until the condition holds: returns its value. An element replaced
     * while it was read (the page re-rendered) counts as "not yet". Polled every 50 ms: Selenium's
     * default half second, paid by every wait that is not met at once, made a test of a few dozen
     * steps seconds slower.
     */
    public <T> T until(Function<? super WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT, POLL).ignoring(StaleElementReferenceException.class).until(condition);
    }

    public WebElement waitVisible(By by) {
        return until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    /** Waits until the element shows exactly {@code text} (trimmed), and returns it. */
    public WebElement waitForText(By by, String text) {
        until(d -> {
            List<WebElement> found = d.findElements(by);
            return !found.isEmpty() && found.get(0).getText().strip().equals(text);
        });
        return driver.findElement(by);
    }

    /** Waits until the element's text contains {@code text}, and returns it. */
    public WebElement waitForTextContaining(By by, String text) {
        until(d -> {
            List<WebElement> found = d.findElements(by);
            return !found.isEmpty() && found.get(0).getText().contains(text);
        });
        return driver.findElement(by);
    }

    /** Waits until the page's heading ({@code main h1}) reads {@code text}. */
    public WebElement waitForHeading(String text) {
        return waitForText(By.cssSelector("main h1"), text);
    }

    /**
     * Waits until the page has stopped changing for {@code quiet} (no DOM mutation), at most {@link #SETTLE_AT_MOST}:
     * for screenshots of pages that fill themselves in from several requests. Returns false when the
     * page was still changing at the bound (a live page that refreshes itself).
     */
    public boolean settle(Duration quiet) {
        Object settled = ((JavascriptExecutor) driver).executeAsyncScript("""
                const [quietMs, maxMs, done] = arguments;
                const start = performance.now();
                let last = start;
                const watch = new MutationObserver(() => { last = performance.now(); });
                watch.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
                (function check() {
                  const now = performance.now();
                  if (now - last >= quietMs || now - start >= maxMs) { watch.disconnect(); done(now - last >= quietMs); }
                  else setTimeout(check, 50);
                })();
                """, quiet.toMillis(), SETTLE_AT_MOST.toMillis());
        return Boolean.TRUE.equals(settled);
    }

    public String text(By by) {
        return driver.findElement(by).getText().strip();
    }

    /** The element that has the keyboard focus. */
    public WebElement focused() {
        return driver.switchTo().activeElement();
    }

    public Object script(String javascript, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(javascript, args);
    }

    /**
     * Runs {@code fetch(path, {method, headers, body})} in the page, with the page's cookies: what any
     * script on the page (or an attacker's page, without the CSRF token) could send.
     */
    public Fetched fetch(String method, String path, Map<String, String> headers, String body) {
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) ((JavascriptExecutor) driver).executeAsyncScript("""
                const [method, path, headers, body, done] = arguments;
                fetch(path, {method, headers, body: body === null ? undefined : body, credentials: 'same-origin'})
                  .then(async r => done({status: r.status, body: await r.text()}))
                  .catch(e => done({status: -1, body: String(e)}));
                """, method, path, headers, body);
        return new Fetched(((Number) result.get("status")).intValue(), (String) result.get("body"));
    }

    /** Saves what the window shows, at the desktop size (1280 x 900), as a PNG. */
    public Path screenshot(Path png) {
        return write(png, driver.getScreenshotAs(OutputType.BYTES));
    }

    /**
     * Saves the whole page at the desktop width, below the fold too (a call's latency chart and
     * webhooks), cut at {@code maxHeight} CSS pixels.
     */
    public Path screenshotFullPage(Path png, int maxHeight) {
        Map<String, Object> metrics = driver.executeCdpCommand("Page.getLayoutMetrics", Map.of());
        @SuppressWarnings("unchecked")
        Map<String, Object> content = (Map<String, Object>) metrics.get("cssContentSize");
        int height = Math.min(maxHeight, (int) Math.ceil(((Number) content.get("height")).doubleValue()));
        Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png",
                "captureBeyondViewport", true,
                "clip", Map.of("x", 0, "y", 0, "width", DESKTOP_WIDTH, "height", height, "scale", 1)));
        return write(png, Base64.getDecoder().decode((String) shot.get("data")));
    }

    private static Path write(Path png, byte[] bytes) {
        try {
            Files.createDirectories(png.toAbsolutePath().getParent());
            Files.write(png, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return png;
    }

    /**
     * Saves the page as a phone shows it (390 x 844 CSS pixels, mobile viewport), then returns to the
     * desktop size. The page re-lays itself out, so a test may wait for something first through
     * {@code beforeShot}.
     */
    public Path screenshotAtPhoneWidth(Path png, Runnable beforeShot) {
        return atPhoneWidth(() -> {
            beforeShot.run();
            Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png"));
            return write(png, Base64.getDecoder().decode((String) shot.get("data")));
        });
    }

    /**
     * Runs {@code work} while the page is laid out as a phone shows it (390 x 844 CSS pixels, mobile
     * viewport), then returns to the desktop size; {@code work} starts once the page has its new width.
     */
    public <T> T atPhoneWidth(Supplier<T> work) {
        driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of(
                "width", PHONE_WIDTH, "height", PHONE_HEIGHT, "deviceScaleFactor", 1, "mobile", true));
        try {
            until(d -> Long.valueOf(PHONE_WIDTH).equals(script("return document.documentElement.clientWidth;")));
            return work.get();
        } finally {
            driver.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
        }
    }

    public Path screenshotAtPhoneWidth(Path png) {
        return screenshotAtPhoneWidth(png, () -> { });
    }

    /**
     * The console's errors since the browser started: script errors, CSP violations ("Refused to ..."),
     * failed loads other than the API's 4xx answers the page shows itself.
     */
    public List<String> consoleErrors() {
        for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
            if (entry.getLevel().intValue() >= Level.SEVERE.intValue()
                    && !EXPECTED_CLIENT_ERROR.matcher(entry.getMessage()).matches()) {
                consoleErrors.add(entry.getMessage());
            }
        }
        return List.copyOf(consoleErrors);
    }

    /** Fails with every console error the browser reported so far. */
    public void assertNoConsoleErrors() {
        List<String> errors = consoleErrors();
        if (!errors.isEmpty()) {
            throw new AssertionError("the browser's console has errors:\n  " + String.join("\n  ", errors));
        }
    }

    /** Forgets the errors seen so far: after a test that provoked some on purpose. */
    public void clearConsoleErrors() {
        consoleErrors();
        consoleErrors.clear();
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            deleteTree(profile);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A profile left in /tmp is harmless; the test's outcome matters more.
        }
    }
}
