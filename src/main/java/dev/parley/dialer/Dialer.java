package dev.parley.dialer;

import dev.parley.analysis.CallAnalyst;
import dev.parley.call.CallTransitions;
import dev.parley.call.EndReason;
import dev.parley.call.TranscriptStore;
import dev.parley.conversation.Conversation;
import dev.parley.media.MediaClock;
import dev.parley.recording.RecordingStore;
import dev.parley.telephony.TelephonyProvider;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import dev.parley.work.Wakeup;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes queued calls to the phone network. One loop per node, woken when calls are accepted and
 * every 200 ms otherwise:
 * <ol>
 *   <li>calls that went on the wire on a node that stopped renewing its leases end as
 *       {@code failed / node-lost} (they cannot be re-dialed: someone may have answered);
 *   <li>hang-up requests for calls this node holds are carried out;
 *   <li>leases are renewed every third of their length;
 *   <li>due jobs are claimed up to this node's free lines ({@code dialer.max.calls}) and the
 *       workspaces' limits, and each call runs on its own virtual thread.
 * </ol>
 * Each claimed call is one {@link PlacedCall}, which owns it from here to its final status.
 */
public final class Dialer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dialer.class);
    private static final Duration TICK = Duration.ofMillis(200);
    /**
     * How long a call's end keeps trying to reach the database (a failover takes seconds). This node
     * renews the call's lease meanwhile, so nobody declares it lost; after that, it is found on
     * recovery as {@code node-lost}.
     */
    static final Duration RECORDING_PATIENCE = Duration.ofSeconds(30);

    public record Settings(int maxCalls, Duration ringTimeout, Duration lease) {}

    private final DialQueue queue;
    private final CallTransitions transitions;
    private final TelephonyProvider provider;
    private final ConversationFactory conversations;
    private final Settings settings;
    private final String name = "node-" + UUID.randomUUID().toString().substring(0, 8);
    private final Semaphore lines;
    private final Map<String, PlacedCall> active = new ConcurrentHashMap<>();
    private final Wakeup wakeup = new Wakeup();
    private final ScheduledThreadPoolExecutor timers = callTimers();
    private final MediaClock clock = new MediaClock();
    private final DialerNode node;
    private final Thread loop;
    private volatile boolean running = true;
    private long lastHeartbeat;

    /** Makes the conversation a call will hold once answered. */
    public interface ConversationFactory extends AutoCloseable {
        /** @throws RuntimeException when the call's assistant cannot hold one (it was deleted) */
        Conversation open(DialQueue.Job job, Conversation.Line line);

        /** Releases the speech engines, after the last call. */
        @Override
        default void close() {
        }
    }

    public Dialer(DialQueue queue, CallTransitions transitions, TelephonyProvider provider, ConversationFactory conversations,
                  TranscriptStore transcripts, RecordingStore recordings, CallAnalyst analyst, Settings settings,
                  MeterRegistry metrics) {
        this.conversations = conversations;
        this.queue = queue;
        this.transitions = transitions;
        this.provider = provider;
        this.settings = settings;
        this.lines = new Semaphore(settings.maxCalls());
        this.node = new DialerNode(name, queue, transitions, provider, conversations, transcripts, recordings, analyst, timers, clock,
                settings.ringTimeout(), settings.lease(),
                Timer.builder("parley.dial.latency").description("Accepted to INVITE sent").publishPercentileHistogram().register(metrics),
                Timer.builder("parley.setup.latency").description("INVITE sent to first 180/183/200")
                        .publishPercentileHistogram().register(metrics),
                Counter.builder("parley.calls.dialed").register(metrics),
                this::released);
        Gauge.builder("parley.calls.active", active, Map::size).description("Calls this node is dialing or holding").register(metrics);
        this.loop = Thread.ofVirtual().name("dialer").start(this::run);
    }

    public void wake() {
        wakeup.signal();
    }

    private void run() {
        log.info("Dialer {} claims calls", name); // the name its jobs carry in dial_jobs.leased_by
        while (running) {
            try {
                for (String lost : queue.lost(List.copyOf(active.keySet()))) {
                    if (transitions.end(lost, EndReason.NODE_LOST, null, "the node that held the call stopped").isPresent()) {
                        // Only the node that recorded the loss: a carrier's call may still be live there.
                        Thread.ofVirtual().name("hang-up-lost-" + lost).start(() -> provider.hangUpLost(lost));
                    }
                }
                queue.hangupRequests(name).forEach((callId, reason) -> {
                    PlacedCall c = active.get(callId);
                    if (c != null) {
                        c.hangup(EndReason.API_HANGUP);
                    }
                });
                long now = System.nanoTime();
                if (now - lastHeartbeat > settings.lease().toNanos() / 3) {
                    queue.heartbeat(name, settings.lease(), List.copyOf(active.keySet()));
                    lastHeartbeat = now;
                }
                int free = lines.availablePermits();
                for (DialQueue.Job job : queue.claim(name, settings.lease(), free)) {
                    lines.acquireUninterruptibly();
                    PlacedCall c = new PlacedCall(job, node);
                    active.put(job.callId(), c);
                    Thread.ofVirtual().name("call-" + job.callId()).start(c::run);
                }
                wakeup.await(TICK);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.warn("Dialer loop failed; trying again shortly", e);
                Wakeup.pause(TICK);
            }
        }
    }

    private void released(PlacedCall call) {
        active.remove(call.id());
        lines.release();
    }

    /**
     * One thread for every call's timers (ring timeout, {@code max_duration_seconds}); each only asks
     * its call to hang up. A call that ends cancels its timers and they leave the queue at once: a
     * pending one holds the whole call (its conversation and media, about 0.6 MB) until it fires,
     * ten minutes later by default.
     */
    private static ScheduledThreadPoolExecutor callTimers() {
        var t = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("call-timers").factory());
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    /** Stops claiming and hangs up what this node holds; each call ends with its real outcome. */
    @Override
    public void close() {
        running = false;
        wake();
        try {
            loop.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        active.values().forEach(PlacedCall::stopNode);
        try {
            lines.tryAcquire(settings.maxCalls(), 5, TimeUnit.SECONDS); // let the calls end and record it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timers.shutdownNow();
        clock.close();
        provider.close();
        conversations.close();
    }
}
