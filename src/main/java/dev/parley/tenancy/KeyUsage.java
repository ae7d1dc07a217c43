package dev.parley.tenancy;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When each API key was last used, kept without a write per request: a request only puts the time
 * in a map (and only when the key's entry is over a second old, so a hot key does not even do that
 * every time), and one background thread writes what gathered every {@link #FLUSH_EVERY} in one
 * statement. {@code last_used_at} is therefore up to a minute late, and a node killed outright
 * loses at most that minute; listing keys flushes this node's entries first.
 */
public final class KeyUsage implements AutoCloseable {
    static final Duration FLUSH_EVERY = Duration.ofMinutes(1);
    private static final Logger log = LoggerFactory.getLogger(KeyUsage.class);

    private final Jdbi jdbi;
    private final InstantSource clock;
    private final Map<String, Instant> pending = new ConcurrentHashMap<>();
    private final Thread flusher;
    private volatile boolean closed;

    public KeyUsage(Jdbi jdbi, InstantSource clock) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.flusher = Thread.ofVirtual().name("key-usage").start(this::run);
    }

    void used(String keyId) {
        Instant now = clock.instant();
        Instant seen = pending.get(keyId);
        if (seen == null || seen.isBefore(now.minusSeconds(1))) {
            pending.put(keyId, now);
        }
    }

    /** Writes the gathered times; a failed write puts them back for the next try. */
    synchronized void flush() {
        if (pending.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>();
        List<Instant> times = new ArrayList<>();
        for (String id : List.copyOf(pending.keySet())) {
            Instant at = pending.remove(id);
            if (at != null) {
                ids.add(id);
                times.add(at);
            }
        }
        try {
            jdbi.useHandle(h -> h.createUpdate("""
                            UPDATE api_keys k SET last_used_at = GREATEST(k.last_used_at, u.at)
                            FROM unnest(CAST(:ids AS text[]), CAST(CAST(:ats AS text[]) AS timestamptz[])) AS u(id, at) WHERE k.key_id = u.id""")
                    .bindArray("ids", String.class, ids).bindArray("ats", String.class, times.stream().map(Instant::toString).toList()).execute());
        } catch (RuntimeException e) {
            for (int i = 0; i < ids.size(); i++) {
                pending.merge(ids.get(i), times.get(i), (a, b) -> a.isAfter(b) ? a : b);
            }
            log.warn("Could not record when API keys were last used; will retry ({})", e.getClass().getSimpleName());
        }
    }

    private void run() {
        while (!closed) {
            try {
                Thread.sleep(FLUSH_EVERY);
            } catch (InterruptedException e) {
                return; // close() flushes
            }
            flush();
        }
    }

    @Override
    public void close() {
        closed = true;
        flusher.interrupt();
        flush();
    }
}
