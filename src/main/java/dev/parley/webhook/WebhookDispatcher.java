package dev.parley.webhook;

import dev.parley.config.ParleyConfig;
import dev.parley.tenancy.WorkspaceService;
import dev.parley.work.Wakeup;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the outbox. One loop per node claims due deliveries ({@link WebhookStore#claim}) as long as
 * it has room under {@code webhook.concurrency}, and sends each on its own virtual thread: POST of
 * the event JSON, signed, with a connect-plus-response timeout. Outcomes go to one recorder that
 * writes whatever finished meanwhile in one transaction, so sends never hold database connections. The loop sleeps when nothing is
 * due and is woken at once when this node writes an event ({@link #wake}); events written by other
 * nodes are found by the next poll. Delivery is at least once: a receiver may see an event twice
 * (after a timeout that was in fact received, or a node dying mid-send) and should de-duplicate on
 * {@code Parley-Event-Id}.
 */
public final class WebhookDispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration SECRET_CACHE = Duration.ofSeconds(5);

    private final WebhookStore store;
    private final WorkspaceService workspaces;
    private final WebhookUrlPolicy urls;
    private final ParleyConfig.Webhooks config;
    private final RetryPolicy retries;
    private final InstantSource clock;
    private final HttpClient http;
    private final String worker = "node-" + UUID.randomUUID().toString().substring(0, 8);
    private final Semaphore slots;
    private final Wakeup wakeup = new Wakeup();
    private final Map<String, CachedSecrets> secrets = new ConcurrentHashMap<>();
    /** Rotations made through this node: a read of secrets that a rotation overtook is not cached. */
    private final AtomicLong rotations = new AtomicLong();
    private final Timer sendTime;
    private final Counter delivered;
    private final Counter failed;
    private final Counter retried;
    private final LinkedBlockingQueue<WebhookStore.Finished> outcomes = new LinkedBlockingQueue<>();
    private final Thread loop;
    private final Thread recorder;
    private volatile boolean running = true;

    private record CachedSecrets(List<String> secrets, Instant until) {}

    public WebhookDispatcher(WebhookStore store, WorkspaceService workspaces, WebhookUrlPolicy urls,
                             ParleyConfig.Webhooks config, InstantSource clock, MeterRegistry metrics) {
        this.store = store;
        this.workspaces = workspaces;
        this.urls = urls;
        this.config = config;
        this.retries = new RetryPolicy(config.retryInitial());
        this.clock = clock;
        this.slots = new Semaphore(config.concurrency());
        this.http = HttpClient.newBuilder()
                .connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        this.sendTime = Timer.builder("parley.webhook.send").description("Webhook attempts, by time to answer")
                .publishPercentileHistogram().register(metrics);
        this.delivered = Counter.builder("parley.webhook.deliveries").tag("outcome", "delivered").register(metrics);
        this.failed = Counter.builder("parley.webhook.deliveries").tag("outcome", "failed").register(metrics);
        this.retried = Counter.builder("parley.webhook.deliveries").tag("outcome", "retry").register(metrics);
        this.loop = Thread.ofVirtual().name("webhook-dispatcher").start(this::run);
        this.recorder = Thread.ofVirtual().name("webhook-outcomes").start(this::recordOutcomes);
        workspaces.whenSecretRotated(workspaceId -> {
            rotations.incrementAndGet();
            secrets.remove(workspaceId);
        });
    }

    /** A hint that events were just written: look now instead of at the next poll. */
    public void wake() {
        wakeup.signal();
    }

    private void run() {
        log.info("Webhook dispatcher {} delivers events", worker); // the name its deliveries carry in leased_by
        while (running) {
            try {
                int room = slots.availablePermits();
                List<WebhookStore.Claimed> claimed = room == 0 ? List.of() : store.claim(worker, config.lease(), Math.min(room, 100));
                for (WebhookStore.Claimed d : claimed) {
                    slots.acquire();
                    Thread.ofVirtual().name("webhook-send").start(() -> {
                        try {
                            send(d);
                        } catch (RuntimeException e) {
                            log.error("Webhook delivery {} failed unexpectedly; it is retried after its lease", d.id(), e);
                            slots.release();
                        }
                    });
                }
                if (claimed.isEmpty()) {
                    wakeup.await(POLL);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.warn("Claiming webhook deliveries failed; trying again shortly", e);
                Wakeup.pause(POLL);
            }
        }
    }

    private void send(WebhookStore.Claimed d) {
        long started = System.nanoTime();
        WebhookStore.Outcome outcome;
        try {
            URI uri = URI.create(d.url());
            Optional<String> refused = urls.refusalAtDelivery(uri);
            if (refused.isPresent()) {
                outcome = new WebhookStore.Outcome("failed", null, refused.get(), 0, Optional.empty());
            } else {
                outcome = post(d, uri, started);
            }
        } catch (RuntimeException e) {
            log.warn("Webhook delivery {} could not be attempted: {}", d.id(), e.getClass().getSimpleName());
            outcome = retryOrFail(d, null, "could not be sent: " + e.getClass().getSimpleName(), started, Optional.empty());
        }
        switch (outcome.state()) {
            case "delivered" -> delivered.increment();
            case "failed" -> failed.increment();
            default -> retried.increment();
        }
        outcomes.add(new WebhookStore.Finished(d, outcome));
    }

    /** Writes finished attempts in batches: whatever finished since the last write, in one transaction. */
    private void recordOutcomes() {
        List<WebhookStore.Finished> batch = new ArrayList<>();
        while (running || !outcomes.isEmpty() || slots.availablePermits() < config.concurrency()) {
            try {
                WebhookStore.Finished first = outcomes.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                outcomes.drainTo(batch, 999);
                store.finish(worker, batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // Their leases run out and they are sent again: at least once, never lost.
                log.warn("Recording {} webhook outcomes failed; those deliveries will be retried after their lease", batch.size(), e);
            } finally {
                batch.forEach(f -> slots.release());
                batch.clear();
                wake(); // finished deliveries may unblock the next event of their call
            }
        }
    }

    private WebhookStore.Outcome post(WebhookStore.Claimed d, URI uri, long started) {
        byte[] body = d.payload().getBytes(StandardCharsets.UTF_8);
        long t = clock.instant().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "Parley-Webhooks/0.1")
                .header("Parley-Event-Id", d.eventId())
                .header("Parley-Signature", WebhookSignature.header(t, body, secretsOf(d.workspaceId())))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            int code = response.statusCode();
            sendTime.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            if (code >= 200 && code < 300) {
                return new WebhookStore.Outcome("delivered", code, null, millisSince(started), Optional.empty());
            }
            if (!RetryPolicy.retryable(code)) {
                return new WebhookStore.Outcome("failed", code, code >= 300 && code < 400
                        ? "the receiver redirected; redirects are not followed, give the final URL" : "the receiver refused it",
                        millisSince(started), Optional.empty());
            }
            return retryOrFail(d, code, "the receiver answered " + code, started,
                    RetryPolicy.retryAfter(response.headers().firstValue("Retry-After").orElse(null)));
        } catch (HttpTimeoutException e) {
            return retryOrFail(d, null, "no answer within " + config.timeout().toMillis() + " ms", started, Optional.empty());
        } catch (IOException e) {
            return retryOrFail(d, null, "connection failed: " + e.getClass().getSimpleName(), started, Optional.empty());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return retryOrFail(d, null, "interrupted: Parley was stopping", started, Optional.empty());
        }
    }

    private WebhookStore.Outcome retryOrFail(WebhookStore.Claimed d, Integer code, String error, long started,
                                             Optional<Duration> retryAfter) {
        Optional<Instant> next = retries.next(d.attempt(), d.createdAt(), clock.instant(), retryAfter);
        return next.isPresent()
                ? new WebhookStore.Outcome("pending", code, error, millisSince(started), next)
                : new WebhookStore.Outcome("failed", code, error + "; gave up after " + RetryPolicy.WINDOW.toHours() + " hours",
                        millisSince(started), Optional.empty());
    }

    private List<String> secretsOf(String workspaceId) {
        Instant now = clock.instant();
        CachedSecrets cached = secrets.get(workspaceId);
        if (cached != null && !cached.until().isBefore(now)) {
            return cached.secrets();
        }
        long seen = rotations.get();
        List<String> fresh = workspaces.signingSecrets(workspaceId);
        if (rotations.get() == seen) {
            secrets.put(workspaceId, new CachedSecrets(fresh, now.plus(SECRET_CACHE)));
        }
        return fresh;
    }

    private static long millisSince(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }


    /** Stops claiming; deliveries in flight finish or are taken over after their lease. */
    @Override
    public void close() {
        running = false;
        wake();
        try {
            loop.join(2_000);
            recorder.join(config.timeout().toMillis() + 2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.close();
    }
}
