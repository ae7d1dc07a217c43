package dev.parley.dialer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import dev.parley.call.Channel;
import dev.parley.safeguards.DailyCaps;
import dev.parley.number.PhoneNumberService;
import dev.parley.safeguards.CallingHours;
import dev.parley.safeguards.DoNotCall;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Dial jobs in PostgreSQL: one per live call, deleted with the call's final status.
 *
 * <p>A node claims due jobs with {@code FOR UPDATE SKIP LOCKED} and a lease it renews by heartbeat.
 * Per workspace, under an advisory lock so that nodes count consistently, it takes no more than
 * {@code max_concurrent_calls} minus the workspace's leased jobs, and no more than
 * {@code calls_per_second} minus those claimed in the last second; the rest wait, queued, for a
 * later claim. {@link #markDialed} records that a call goes on the wire: from then on the job is
 * never claimed again, so a call is never dialed twice; if its node dies, {@link #lost} finds it.
 *
 * <p>A claim is held for {@link #CLAIM_LEASE} only, and a dialed call for the node's whole lease. A
 * claim becomes a dial within milliseconds, so a node that dies in between leaves its undialed
 * work to the others after seconds, not after the lease that keeps its live calls its own (which
 * must outlast a database failover). A claim whose lease ran out before it was marked dialed is
 * simply not dialed here: whoever claims it next dials it.
 */
public final class DialQueue {
    /** How long a claimed, undialed job stays this node's: how soon another node takes over a dead one's claims. */
    static final Duration CLAIM_LEASE = Duration.ofSeconds(3);

    private final Jdbi jdbi;
    private final DoNotCall doNotCall;
    private final CallingHours hours;

    /** @param hours the calling-hours rule, whose clock also says which jobs are due */
    public DialQueue(Jdbi jdbi, CallingHours hours) {
        this.jdbi = jdbi;
        this.doNotCall = new DoNotCall(jdbi);
        this.hours = hours;
    }

    /**
     * @param variables the call request's variables, as JSON text
     * @param toNumber null for a web call
     * @param webJoinBy when a web call's browser must have joined by (its token's expiry); null for a phone call
     */
    public record Job(String callId, String workspaceId, String toNumber, String fromNumber, int maxDurationSeconds,
                      Instant acceptedAt, String assistantId, String variables, String workspaceOptOut, Channel channel,
                      Instant webJoinBy) {}

    public List<Job> claim(String node, Duration lease, int max) {
        if (max <= 0) {
            return List.of();
        }
        return jdbi.inTransaction(h -> {
            List<Map.Entry<String, String>> due = h.createQuery("""
                            SELECT call_id, workspace_id FROM dial_jobs
                             WHERE run_at <= :now AND dialed_at IS NULL AND (lease_until IS NULL OR lease_until < now())
                             ORDER BY run_at LIMIT :scan FOR UPDATE SKIP LOCKED""")
                    .bind("scan", Math.max(max * 4, 50)).bind("now", hours.now())
                    .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2))).list();
            Map<String, List<String>> byWorkspace = new LinkedHashMap<>();
            due.forEach(e -> byWorkspace.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey()));
            List<String> take = new ArrayList<>();
            for (var ws : byWorkspace.entrySet()) {
                if (take.size() >= max) {
                    break;
                }
                int room = room(h, ws.getKey());
                ws.getValue().stream().limit(Math.min(room, max - take.size())).forEach(take::add);
            }
            if (take.isEmpty()) {
                return List.<Job>of();
            }
            return h.createQuery("""
                            UPDATE dial_jobs j SET leased_by = :node, lease_until = now() + make_interval(secs => :claimLease),
                                   claimed_at = now(), attempts = j.attempts + 1
                              FROM calls c LEFT JOIN assistants a ON a.id = c.assistant_id
                                   LEFT JOIN workspaces w ON w.id = c.workspace_id
                             WHERE j.call_id = ANY(:ids) AND c.id = j.call_id
                            RETURNING j.call_id, j.workspace_id, c.to_number, c.from_number,
                                      LEAST(COALESCE((a.config->>'max_duration_seconds')::int, 600),
                                            c.reserved_seconds - :allowance) AS max_duration, c.created_at,
                                      c.assistant_id, c.variables::text, w.opt_out::text, c.channel, c.web_join_by""")
                    .bind("node", node).bind("claimLease", seconds(shorter(lease, CLAIM_LEASE))).bind("ids", take.toArray(String[]::new))
                    // No longer than the daily minutes it reserved when accepted (DailyCaps), should the assistant's limit have grown since.
                    .bind("allowance", DailyCaps.END_ALLOWANCE_SECONDS)
                    .map((rs, ctx) -> new Job(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                            rs.getTimestamp(6).toInstant(), rs.getString(7), rs.getString(8), rs.getString(9),
                            Channel.fromWire(rs.getString(10)).orElseThrow(),
                            rs.getTimestamp(11) == null ? null : rs.getTimestamp(11).toInstant()))
                    .list();
        });
    }

    /** How many more calls the workspace may start now; serialized per workspace across nodes. */
    private static int room(Handle h, String workspaceId) {
        h.execute("SELECT pg_advisory_xact_lock(hashtext('dial:' || ?))", workspaceId);
        return h.createQuery("""
                        SELECT LEAST(
                            w.max_concurrent_calls - (SELECT count(*) FROM dial_jobs j
                                                       WHERE j.workspace_id = w.id AND j.lease_until > now()),
                            w.calls_per_second - (SELECT count(*) FROM dial_jobs j
                                                   WHERE j.workspace_id = w.id AND j.claimed_at > now() - interval '1 second'))
                          FROM workspaces w WHERE w.id = :ws""")
                .bind("ws", workspaceId).mapTo(Integer.class).findOne().map(n -> Math.max(0, n)).orElse(0);
    }

    /** Whether a claimed call may go on the wire now. */
    public enum Dialing {
        /** Marked dialed: send the INVITE. */
        GO,
        /** Canceled meanwhile (its job is gone) or this node no longer holds the lease: already settled elsewhere. */
        NOT_OURS,
        /** The number was put on the do-not-call list after the call was accepted: end it without dialing. */
        DO_NOT_CALL,
        /** Outside the call's calling hours now: it was put back in the queue for the next opening, not dialed. */
        RESCHEDULED
    }

    /** What the last check before the INVITE reads of the call, its workspace and assistant. */
    private static final String LAST_CHECK = """
            SELECT %s AS listed, c.to_number, c.channel,
                   COALESCE(c.calling_window, a.config->'calling_window', w.calling_window)::text AS calling_window,
                   COALESCE(w.calling_window_applies_to_sandbox, false) AS sandbox_included, %s AS own_trunk
              FROM calls c LEFT JOIN assistants a ON a.id = c.assistant_id LEFT JOIN workspaces w ON w.id = c.workspace_id
             WHERE c.id = :id FOR UPDATE OF c""".formatted(DoNotCall.listedSql("c.workspace_id", "c.to_number"),
            PhoneNumberService.ownTrunkSql("c.workspace_id", "c.from_number"));

    /**
     * The call goes on the wire now, unless it must not: the last check before the INVITE, made
     * with the call row locked, so a number listed up to this moment is never dialed, and a call
     * outside its calling hours now (its settings changed, or it was claimed late) waits for the
     * next opening instead. Safe to try again for the same claim (issue 15: a database restart can
     * fail a commit that went through): only this node's claim could have marked the job, and no
     * other node can take it once marked, so a mark found already made is this call's own.
     */
    public Dialing markDialed(String node, String callId, Duration lease) {
        return jdbi.inTransaction(h -> {
            // Lock order everywhere: the call row, then its job (as CallTransitions and hang-up do).
            var call = h.createQuery(LAST_CHECK).bind("id", callId).mapToMap().findOne();
            if (call.isEmpty()) {
                return Dialing.NOT_OURS;
            }
            Map<String, Object> c = call.get();
            if (Boolean.TRUE.equals(c.get("listed"))) {
                return held(h, node, callId) ? Dialing.DO_NOT_CALL : Dialing.NOT_OURS;
            }
            // A web call has no number and so no calling hours: someone is at the browser now.
            Optional<CallingHours.Deferral> wait = Channel.WEB.wire().equals(c.get("channel")) ? Optional.empty()
                    : hours.defer(CallingHours.stored((String) c.get("calling_window")), (String) c.get("to_number"),
                            (Boolean) c.get("own_trunk"), (Boolean) c.get("sandbox_included"), hours.now());
            if (wait.isPresent()) {
                return held(h, node, callId) ? reschedule(h, callId, wait.get()) : Dialing.NOT_OURS;
            }
            int marked = h.createUpdate("""
                            UPDATE dial_jobs SET dialed_at = COALESCE(dialed_at, now()),
                                   lease_until = now() + make_interval(secs => :lease)
                             WHERE call_id = :id AND leased_by = :node AND lease_until > now()""")
                    .bind("id", callId).bind("node", node).bind("lease", seconds(lease)).execute();
            if (marked == 1) {
                h.execute("UPDATE calls SET started_at = now(), updated_at = now() WHERE id = ? AND started_at IS NULL", callId);
            }
            return marked == 1 ? Dialing.GO : Dialing.NOT_OURS;
        });
    }

    private static boolean held(Handle h, String node, String callId) {
        return h.createQuery("""
                        SELECT count(*) > 0 FROM dial_jobs
                         WHERE call_id = :id AND leased_by = :node AND lease_until > now()""")
                .bind("id", callId).bind("node", node).mapTo(Boolean.class).one();
    }

    /** Back in the queue until the opening, with a history entry; the claim is given up. */
    private static Dialing reschedule(Handle h, String callId, CallingHours.Deferral wait) {
        h.createUpdate("UPDATE calls SET scheduled_at = :at, scheduled_reason = 'calling_window', updated_at = now() WHERE id = :id")
                .bind("at", wait.opening()).bind("id", callId).execute();
        h.createUpdate("UPDATE dial_jobs SET run_at = :at, leased_by = NULL, lease_until = NULL, dialed_at = NULL WHERE call_id = :id")
                .bind("at", wait.opening()).bind("id", callId).execute();
        h.createUpdate("INSERT INTO call_events (call_id, status, reason) VALUES (:id, 'queued', :why)")
                .bind("id", callId).bind("why", "not dialed: " + wait.note()).execute();
        return Dialing.RESCHEDULED;
    }

    private static Duration shorter(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }

    /** The callee of {@code callId} asked not to be called again: their number goes on the workspace's list. */
    public void optOut(String callId) {
        doNotCall.optOut(callId);
    }

    /** Keeps this node's leases alive; a node that stops doing this is presumed dead after one lease. */
    public void heartbeat(String node, Duration lease, Collection<String> live) {
        if (live.isEmpty()) {
            return;
        }
        // Only the calls this node still runs: a job whose call gave up recording its end (the
        // database was away too long) must be let go, so that it is found lost.
        // Dialed calls only: an undialed claim keeps its short lease (CLAIM_LEASE), so a node that
        // is too slow to dial it lets it go to another.
        jdbi.useHandle(h -> h.createUpdate("""
                        UPDATE dial_jobs SET lease_until = now() + make_interval(secs => :lease)
                         WHERE leased_by = :node AND call_id = ANY(:live) AND dialed_at IS NOT NULL""")
                .bind("lease", lease.toMillis() / 1000.0).bind("node", node).bind("live", live.toArray(String[]::new)).execute());
    }

    /** Calls this node holds that someone asked to hang up, with the reason asked. */
    public Map<String, String> hangupRequests(String node) {
        return jdbi.withHandle(h -> h.createQuery("SELECT call_id, hangup_reason FROM dial_jobs WHERE leased_by = :node AND hangup_reason IS NOT NULL")
                .bind("node", node).map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2))).list()
                .stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
    }

    /** Calls that went on the wire on a node whose lease ran out: that node is gone, and so is the call. */
    public List<String> lost(Collection<String> live) {
        // Never a call this node still runs: it knows those are alive, and their lease may have run
        // out only because the database was unreachable for a while (the next heartbeat renews it).
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT call_id FROM dial_jobs
                         WHERE dialed_at IS NOT NULL AND lease_until < now() AND NOT (call_id = ANY(:live)) LIMIT 100""")
                .bind("live", live.toArray(String[]::new)).mapTo(String.class).list());
    }
}
