package dev.parley.dialer;

import dev.parley.call.QueuePlace;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * Where queued calls stand in their workspace's line, by the dialer's own rules ({@link DialQueue}):
 * a call not due yet waits for its time (the request's {@code scheduled_at}, calling hours, or a
 * retry's backoff, by {@code calls.scheduled_reason}); a due one waits behind the due calls before
 * it (by due time, as the dialer takes them), and for {@code max_concurrent_calls} or
 * {@code calls_per_second}. Read from the database, so any node answers alike.
 */
public final class QueuePlaces {
    private final Jdbi jdbi;

    public QueuePlaces(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** The places of those of {@code callIds} that are still waiting; other calls are absent. */
    public Map<String, QueuePlace> of(String workspaceId, Collection<String> callIds) {
        Map<String, QueuePlace> out = new HashMap<>();
        if (callIds.isEmpty()) {
            return out;
        }
        jdbi.useHandle(h -> h.createQuery("""
                        WITH limits AS (
                            SELECT w.max_concurrent_calls AS cap, w.calls_per_second AS cps,
                                   (SELECT count(*) FROM dial_jobs j WHERE j.workspace_id = w.id AND j.lease_until > now()) AS live,
                                   (SELECT count(*) FROM dial_jobs j WHERE j.workspace_id = w.id
                                       AND j.claimed_at > now() - interval '1 second') AS recent
                              FROM workspaces w WHERE w.id = :ws
                        ), line AS (
                            SELECT j.call_id, row_number() OVER (ORDER BY j.run_at, j.call_id) AS position
                              FROM dial_jobs j
                             WHERE j.workspace_id = :ws AND j.dialed_at IS NULL AND j.run_at <= now()
                               AND (j.lease_until IS NULL OR j.lease_until <= now())
                        )
                        SELECT j.call_id, j.run_at > now() AS later, j.run_at, c.scheduled_reason,
                               j.dialed_at IS NULL AND j.lease_until > now() AS claimed, l.position,
                               x.cap, x.cps, x.live, x.recent, now() AS now
                          FROM dial_jobs j JOIN calls c ON c.id = j.call_id AND c.status = 'queued'
                          LEFT JOIN line l ON l.call_id = j.call_id
                          CROSS JOIN limits x
                         WHERE j.call_id = ANY(:ids) AND j.workspace_id = :ws""")
                .bind("ws", workspaceId).bind("ids", callIds.toArray(String[]::new))
                .map((rs, ctx) -> {
                    Instant now = rs.getTimestamp("now").toInstant();
                    long position = rs.getLong("position");
                    boolean inLine = !rs.wasNull();
                    QueuePlace place = rs.getBoolean("later")
                            ? new QueuePlace(scheduledReason(rs.getString("scheduled_reason")), null,
                                    rs.getTimestamp("run_at").toInstant())
                            : !inLine ? new QueuePlace("dialer", null, now)
                            : due(position, rs.getLong("live"), rs.getLong("recent"), rs.getInt("cap"), rs.getInt("cps"), now);
                    return Map.entry(rs.getString("call_id"), place);
                })
                .forEach(e -> out.put(e.getKey(), e.getValue())));
        return out;
    }

    /** V16's reasons for a later start, as the API names them; a scheduled_at set before V16 reads as requested. */
    private static String scheduledReason(String stored) {
        if (stored == null) {
            return "scheduled";
        }
        return switch (stored) {
            case "calling_window" -> "calling_hours";
            case "retry" -> "retry";
            default -> "scheduled";
        };
    }

    /**
     * A due call {@code position}-th in line: it waits for live calls to end when they and the calls
     * ahead fill {@code max_concurrent_calls} (when is unknowable), else for the per-second budget,
     * which lets {@code cps} calls start each second.
     */
    static QueuePlace due(long position, long live, long recent, int cap, int cps, Instant now) {
        if (live + position > cap) {
            return new QueuePlace("concurrency", position, null);
        }
        long thisSecond = Math.max(0, cps - recent);
        if (position > thisSecond) {
            long seconds = (position - thisSecond - 1) / cps + 1;
            return new QueuePlace("rate", position, now.plusSeconds(seconds));
        }
        return new QueuePlace("dialer", position, now);
    }
}
