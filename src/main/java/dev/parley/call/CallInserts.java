package dev.parley.call;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import javax.sql.DataSource;
import dev.parley.number.PhoneNumberService;
import dev.parley.number.PhoneNumbers;
import dev.parley.safeguards.DailyCaps;
import dev.parley.safeguards.CallingHours;
import dev.parley.safeguards.CallingWindow;
import dev.parley.safeguards.DoNotCall;
import dev.parley.store.Ids;
import dev.parley.store.Rollback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable inserts of new calls, batched naturally.
 *
 * <p>Each create-call request hands its row to a queue and waits. A few writer threads each take
 * whatever is waiting (up to {@link #MAX_BATCH}) and insert it with one statement in one
 * transaction: one round trip, one plan, one commit and one WAL flush for the whole batch. There
 * is no timer: an idle server inserts a lone call at once, and a busy one forms larger batches
 * by itself while the previous batch commits. A request is answered only after its batch has
 * committed, so a 200 still means the call is on disk.
 *
 * <p>Per row the statement checks that the request's API key is still valid and its workspace not
 * deleted (authentication of this route reads both from a cache: this makes a revocation hold at
 * once at no cost), that the assistant exists in the caller's workspace, is enabled
 * and gets every variable its flow uses (kept in {@code assistants.flow_variables}), and that the
 * workspace or the node has a key for every provider the assistant needs one for (kept in
 * {@code assistants.required_keys}: uses at the provider's own service, so only a workspace key
 * without a {@code base_url} scope counts, as in ProviderCredentials#key; the node's keys are a parameter), exactly as a single insert would, and reports which check failed. Rows are validated
 * before they are queued, so one row cannot fail the batch; a batch fails only when the database
 * does, and then every request in it gets that error (nothing of it was committed).
 *
 * <p>It also refuses destinations the workspace refuses (issue 14): a number on its do-not-call
 * list, outside its {@code allowed_countries}, or of a type in its {@code blocked_number_types}.
 * In the statement, like the checks above, so create-call stays one round trip: the list is a
 * primary-key lookup, the settings come with the workspace row already read.
 *
 * <p>And it holds the daily caps and {@code on_capacity: "reject"} (see {@link DailyCaps}): under
 * the workspaces' create-call locks, the rows that pass every other check are admitted in the order
 * they came while the day's counters (one {@code workspace_days} row, bumped by the same statement)
 * leave room; a "reject" row due now is refused when the workspace's live and waiting calls, or its
 * dialing in the last second, already fill {@code max_concurrent_calls} or {@code calls_per_second}.
 *
 * <p>Calling hours (issue 14) are worked out here in Java, from one query per batch for the
 * settings of its workspaces and assistants ({@link #WINDOW_SETTINGS}): a call outside its window
 * is accepted with {@code scheduled_at} (and its job's {@code run_at}) at the next opening,
 * {@code scheduled_reason} {@code calling_window}, and its history entry says why.
 *
 * <p>A web call (a browser's, {@link CreateCallRequest.Callee.Web}) goes through the same statement
 * with no number: the destination checks pass it, and it stores its token's hash and join deadline.
 */
public final class CallInserts implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CallInserts.class);
    static final int MAX_BATCH = 256;

    /**
     * Per row: the call ({@code queued}), its first event, its dial job, and, when a webhook URL
     * applies (the request's, else the assistant's, else the workspace's), the {@code call.queued}
     * event with its delivery. One statement, so all of it commits or none.
     */
    private static final String INSERT_BATCH = """
            WITH input AS (
                SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                                     ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                                     ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[],
                                     ?::timestamptz[]) WITH ORDINALITY
                    AS t(id, workspace_id, assistant_id, to_number, to_country, from_number, variables, metadata,
                         webhook_url, event_id, delivery_id, key_id, to_type, retry, on_capacity, scheduled_reason, window_note,
                         calling_window, channel, web_token, scheduled_at, web_join_by, ord)
            ), checked AS (
                SELECT i.*, a.enabled, COALESCE(i.webhook_url, a.config->>'webhook_url', w.webhook_url) AS target,
                       CASE WHEN i.retry IS NULL THEN NULLIF(a.config->'retry', 'null'::jsonb)
                            ELSE CAST(i.retry AS jsonb) END AS retry_rule,
                       (SELECT v FROM unnest(a.flow_variables) WITH ORDINALITY AS f(v, n)
                        WHERE NOT (CAST(i.variables AS jsonb) ?? v) ORDER BY n LIMIT 1) AS missing_variable,
                       CASE WHEN a.required_keys IS NOT NULL AND a.required_keys <> '{}' THEN
                           (SELECT ARRAY[r.key, r.value] FROM jsonb_each_text(a.required_keys) AS r
                            WHERE NOT (r.key = ANY (node_keys.providers))
                              AND NOT EXISTS (SELECT 1 FROM provider_credentials pc
                                              WHERE pc.workspace_id = i.workspace_id AND pc.provider = r.key
                                                AND pc.base_url IS NULL)
                            ORDER BY r.value LIMIT 1)
                       END AS missing_key,
                       COALESCE((SELECT k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
                                 FROM api_keys k WHERE k.key_id = i.key_id), false) AS key_live,
                       (w.id IS NOT NULL AND w.deleted_at IS NULL) AS workspace_live,
                       -- A web call has no number: no destination to refuse.
                       CASE WHEN i.to_number IS NULL THEN NULL
                            WHEN %1$s THEN 'do-not-call'
                            WHEN cardinality(w.allowed_countries) > 0
                                 AND NOT (COALESCE(i.to_country, '') = ANY (w.allowed_countries)) THEN 'allowed_countries'
                            WHEN i.to_type = ANY (w.blocked_number_types) THEN 'blocked_number_types'
                       END AS refused,
                       COALESCE((a.config->>'max_duration_seconds')::int, 600) + %2$d AS reservation,
                       (i.scheduled_at IS NULL OR i.scheduled_at <= now()) AS due
                FROM input i
                CROSS JOIN (SELECT ?::text[] AS providers) AS node_keys
                LEFT JOIN assistants a ON a.id = i.assistant_id AND a.workspace_id = i.workspace_id AND a.deleted_at IS NULL
                LEFT JOIN workspaces w ON w.id = i.workspace_id
            ), eligible AS (
                -- Rows that pass every check but the caps, counted per workspace in the order they
                -- came: the daily caps admit a prefix of them.
                SELECT k.id, k.workspace_id, k.ord, k.reservation, k.on_capacity, k.due,
                       count(*) OVER w AS nth, sum(k.reservation) OVER w AS held
                FROM checked k
                WHERE k.enabled AND k.missing_variable IS NULL AND k.missing_key IS NULL AND k.key_live AND k.workspace_live
                  AND k.refused IS NULL
                WINDOW w AS (PARTITION BY k.workspace_id ORDER BY k.ord)
            ), today AS (
                SELECT w.id AS ws, w.max_calls_per_day, w.max_call_minutes_per_day, w.max_concurrent_calls, w.calls_per_second,
                       COALESCE(d.calls, 0) AS calls_today, COALESCE(d.used_seconds, 0) AS used_today,
                       COALESCE(d.reserved_seconds, 0) AS reserved_today, %3$s AS resets_in
                FROM (SELECT DISTINCT workspace_id FROM eligible) AS e
                JOIN workspaces w ON w.id = e.workspace_id
                LEFT JOIN workspace_days d ON d.workspace_id = e.workspace_id AND d.day = %4$s
            ), capped AS (
                SELECT e.*, y.*,
                       CASE WHEN y.max_calls_per_day IS NOT NULL AND y.calls_today + e.nth > y.max_calls_per_day
                                THEN 'max_calls_per_day'
                            WHEN y.max_call_minutes_per_day IS NOT NULL
                                 AND y.used_today + y.reserved_today + e.held > y.max_call_minutes_per_day::bigint * 60
                                THEN 'max_call_minutes_per_day'
                       END AS over
                FROM eligible e JOIN today y ON y.ws = e.workspace_id
            ), room AS (
                -- Only where a row says on_capacity "reject": the dialer's own measures (DialQueue#room),
                -- plus the calls due and waiting, which take their turn first. The statement's own time,
                -- not now(): now() is when this transaction began, before it waited for the caps' lock,
                -- so jobs a batch committed meanwhile would look not yet due and go uncounted.
                SELECT j.workspace_id AS rws,
                       count(*) FILTER (WHERE j.lease_until > statement_timestamp()) AS live,
                       count(*) FILTER (WHERE j.dialed_at IS NULL AND j.run_at <= statement_timestamp()
                                          AND (j.lease_until IS NULL OR j.lease_until <= statement_timestamp())) AS waiting,
                       count(*) FILTER (WHERE j.claimed_at > statement_timestamp() - interval '1 second') AS recent
                FROM dial_jobs j
                WHERE j.workspace_id IN (SELECT workspace_id FROM eligible WHERE on_capacity = 'reject')
                GROUP BY j.workspace_id
            ), admitted AS (
                SELECT p.*, COALESCE(r.live, 0) AS live, COALESCE(r.waiting, 0) AS waiting, COALESCE(r.recent, 0) AS recent,
                       count(*) FILTER (WHERE p.due) OVER (PARTITION BY p.workspace_id ORDER BY p.ord) AS due_nth
                FROM capped p LEFT JOIN room r ON r.rws = p.workspace_id
                WHERE p.over IS NULL
            ), placed AS (
                SELECT m.*,
                       CASE WHEN m.on_capacity = 'reject' AND m.due THEN
                           CASE WHEN m.live + m.waiting + m.due_nth > m.max_concurrent_calls THEN 'max_concurrent_calls'
                                WHEN m.recent + m.waiting + m.due_nth > m.calls_per_second THEN 'calls_per_second'
                           END
                       END AS busy
                FROM admitted m
            ), c AS (
                INSERT INTO calls (id, workspace_id, assistant_id, to_number, to_country, from_number, status,
                                   variables, metadata, webhook_url, scheduled_at, reserved_seconds, retry, scheduled_reason,
                                   calling_window, channel, web_token_sha256, web_join_by)
                SELECT k.id, k.workspace_id, k.assistant_id, k.to_number, k.to_country, k.from_number, 'queued',
                       CAST(k.variables AS jsonb), CAST(k.metadata AS jsonb), k.webhook_url, k.scheduled_at, k.reservation,
                       k.retry_rule, k.scheduled_reason, CAST(k.calling_window AS jsonb), k.channel, decode(k.web_token, 'hex'),
                       k.web_join_by
                FROM checked k JOIN placed m ON m.id = k.id WHERE m.busy IS NULL
                RETURNING id, workspace_id, assistant_id, to_number, from_number, variables, metadata, created_at, scheduled_at,
                          reserved_seconds
            ), counted AS (
                INSERT INTO workspace_days (workspace_id, day, calls, reserved_seconds)
                SELECT workspace_id, %4$s, count(*), sum(reserved_seconds) FROM c GROUP BY workspace_id
                ON CONFLICT (workspace_id, day) DO UPDATE
                    SET calls = workspace_days.calls + excluded.calls,
                        reserved_seconds = workspace_days.reserved_seconds + excluded.reserved_seconds
            ), e AS (
                INSERT INTO call_events (call_id, status, reason, at)
                SELECT c.id, 'queued', 'accepted through the API' || COALESCE('; ' || k.window_note, ''), c.created_at
                FROM c JOIN checked k ON k.id = c.id
            ), j AS (
                INSERT INTO dial_jobs (call_id, workspace_id, run_at)
                SELECT id, workspace_id, GREATEST(created_at, COALESCE(scheduled_at, created_at)) FROM c
            ), ev AS (
                INSERT INTO webhook_events (id, workspace_id, call_id, type, payload, created_at)
                SELECT k.event_id, c.workspace_id, c.id, 'call.queued',
                       jsonb_build_object('id', k.event_id, 'type', 'call.queued',
                           'created_at', to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                           'workspace_id', c.workspace_id,
                           'data', jsonb_build_object('call_id', c.id, 'status', 'queued', 'assistant_id', c.assistant_id,
                               'channel', k.channel, 'from_number', c.from_number, 'variables', c.variables,
                               'metadata', c.metadata, 'attempt', 1, 'parent_call_id', NULL)
                               -- CallJson.callee: a web call has no to_number at all, not a null one
                               || CASE WHEN c.to_number IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('to_number', c.to_number) END),
                       c.created_at
                FROM c JOIN checked k ON k.id = c.id
                WHERE k.target IS NOT NULL
                RETURNING id, seq, workspace_id, call_id, created_at
            ), d AS (
                INSERT INTO webhook_deliveries (id, event_id, event_seq, workspace_id, call_id, url, next_attempt_at, created_at)
                SELECT k.delivery_id, ev.id, ev.seq, ev.workspace_id, ev.call_id, k.target, ev.created_at, ev.created_at
                FROM ev JOIN checked k ON k.id = ev.call_id
            )
            SELECT k.id, k.enabled, k.missing_variable, k.key_live, k.workspace_live, k.missing_key, k.refused, k.to_country,
                   k.to_type,
                   cp.over, CASE cp.over WHEN 'max_calls_per_day' THEN cp.max_calls_per_day ELSE cp.max_call_minutes_per_day END,
                   cp.resets_in, cp.calls_today, cp.used_today, cp.reserved_today, k.reservation,
                   m.busy, CASE m.busy WHEN 'max_concurrent_calls' THEN m.max_concurrent_calls ELSE m.calls_per_second END,
                   CASE m.busy WHEN 'max_concurrent_calls' THEN m.live + m.waiting ELSE m.recent + m.waiting END + m.due_nth - 1
            FROM checked k LEFT JOIN capped cp ON cp.id = k.id LEFT JOIN placed m ON m.id = k.id""".formatted(
                    DoNotCall.listedSql("i.workspace_id", "i.to_number"), DailyCaps.END_ALLOWANCE_SECONDS,
                    DailyCaps.RESETS_IN_SQL, DailyCaps.TODAY_SQL);

    /**
     * What the calling-hours rule needs of each row's workspace and assistant, read in one query per
     * batch (not per row): the window they give ({@code COALESCE}: the assistant's own, JSON null
     * included, else the workspace's), whether sandbox calls are included, and whether the workspace
     * has a number of its own for the call (a trunk: never exempt).
     */
    private static final String WINDOW_SETTINGS = """
            SELECT t.n, COALESCE(a.config->'calling_window', w.calling_window)::text,
                   COALESCE(w.calling_window_applies_to_sandbox, false), %s
            FROM unnest(?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS t(workspace_id, assistant_id, from_number, n)
            LEFT JOIN workspaces w ON w.id = t.workspace_id
            LEFT JOIN assistants a ON a.id = t.assistant_id AND a.workspace_id = t.workspace_id AND a.deleted_at IS NULL"""
            .formatted(PhoneNumberService.ownTrunkSql("t.workspace_id", "t.from_number"));

    /** @param keyId the API key of the request: the statement refuses the row if it was revoked or expired meanwhile */
    record Row(String callId, String workspaceId, String keyId, CreateCallRequest request) {}

    sealed interface Outcome {
        record Created() implements Outcome {}

        record NoAssistant() implements Outcome {}

        /** The request's key was revoked or expired after authentication read it (see Authenticator#authenticateForWrite). */
        record KeyRefused() implements Outcome {}

        /** The workspace was deleted after authentication read it. */
        record WorkspaceGone() implements Outcome {}

        record AssistantDisabled() implements Outcome {}

        /** The assistant's flow uses {@code {{name}}} and the request's variables lack it. */
        record MissingVariable(String name) implements Outcome {}

        /** The assistant's {@code field} uses {@code provider}, and neither the workspace nor the node has its key. */
        record MissingKey(String provider, String field) implements Outcome {}

        /**
         * The workspace refuses the destination: {@code rule} is {@code do-not-call},
         * {@code allowed_countries} or {@code blocked_number_types}; the number's country and type are
         * what the rule was compared with.
         */
        record Refused(String rule, String country, String type) implements Outcome {}

        /** Accepting it would pass one of the workspace's daily caps. */
        record OverDailyCap(DailyCaps.Over over) implements Outcome {}

        /**
         * {@code on_capacity: "reject"} and the call would wait: {@code limit} is {@code max_concurrent_calls}
         * or {@code calls_per_second}, {@code inUse} the calls ahead of it that count against it.
         */
        record AtCapacity(String limit, int cap, long inUse) implements Outcome {}
    }

    private record Pending(Row row, CompletableFuture<Outcome> outcome) {}

    private final DataSource dataSource;
    private final CallingHours hours;
    private final String[] nodeKeys;
    private final Runnable eventsWritten;
    private final Timer batchTime;
    private final DistributionSummary batchSize;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final List<Thread> writers = new ArrayList<>();
    private volatile boolean closed;

    /**
     * @param writerCount two suffice on two cores: one batch commits while the next is prepared
     * @param nodeKeys the providers this node has an API key for, which every workspace may use
     */
    public CallInserts(DataSource dataSource, int writerCount, Set<String> nodeKeys, CallingHours hours, MeterRegistry metrics,
                       Runnable eventsWritten) {
        this.dataSource = dataSource;
        this.hours = hours;
        this.nodeKeys = nodeKeys.toArray(String[]::new);
        this.eventsWritten = eventsWritten;
        this.batchTime = Timer.builder("parley.call.insert.batch").description("Time to insert and commit one batch of new calls")
                .publishPercentileHistogram().register(metrics);
        this.batchSize = DistributionSummary.builder("parley.call.insert.batch.size").description("New calls per committed batch")
                .register(metrics);
        Gauge.builder("parley.call.insert.queue", queue, LinkedBlockingQueue::size)
                .description("New calls waiting for a batch").register(metrics);
        for (int i = 0; i < writerCount; i++) {
            writers.add(Thread.ofVirtual().name("call-insert-" + i).start(this::write));
        }
    }

    /** Blocks until the row's batch has committed (or failed). */
    Outcome insert(Row row) throws SQLException {
        if (closed) {
            throw new SQLException("Parley is shutting down", "57P01");
        }
        Pending p = new Pending(row, new CompletableFuture<>());
        queue.add(p);
        try {
            return p.outcome().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for the insert", "57014", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw new SQLException(sql.getMessage(), sql.getSQLState(), sql);
            }
            throw new IllegalStateException("batch insert failed", e.getCause());
        }
    }

    private void write() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (!closed || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                long started = System.nanoTime();
                insertBatch(batch);
                batchTime.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                batchSize.record(batch.size());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | SQLException e) {
                log.error("A batch of {} call inserts failed; every request in it gets the error", batch.size(), e);
                batch.forEach(p -> p.outcome().completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
    }

    private void insertBatch(List<Pending> batch) throws SQLException {
        List<Row> rows = new ArrayList<>(batch.size());
        batch.forEach(p -> rows.add(p.row()));
        Map<String, Outcome> outcomes;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                outcomes = insert(c, rows);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                Rollback.after(c, e); // HikariCP restores auto-commit when the connection goes back
                throw e;
            }
        }
        eventsWritten.run();
        for (Pending p : batch) {
            Outcome outcome = outcomes.get(p.row().callId());
            if (outcome == null) {
                p.outcome().completeExceptionally(new IllegalStateException("the batch statement did not report call " + p.row().callId()));
            } else {
                p.outcome().complete(outcome);
            }
        }
    }

    /**
     * The one statement that accepts calls, for a batch or for a single row inside a caller's
     * transaction (the Idempotency-Key path): per row, the outcome by call id. Takes the workspaces'
     * create-call locks first ({@link DailyCaps#lock}), so that the statement, started after them,
     * counts what the batches before it committed.
     */
    Map<String, Outcome> insert(Connection c, List<Row> rows) throws SQLException {
        int n = rows.size();
        DailyCaps.lock(c, rows.stream().map(Row::workspaceId).distinct().toArray(String[]::new));
        String[][] columns = new String[20][n];
        java.sql.Timestamp[] scheduled = new java.sql.Timestamp[n];
        java.sql.Timestamp[] joinBy = new java.sql.Timestamp[n];
        WindowSettings[] windows = windowSettings(c, rows);
        Instant now = hours.now();
        Map<List<Object>, Optional<CallingHours.Deferral>> seen = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Row r = rows.get(i);
            CreateCallRequest q = r.request();
            PhoneNumbers.E164Number to = q.to();
            columns[0][i] = r.callId();
            columns[1][i] = r.workspaceId();
            columns[2][i] = q.assistantId();
            columns[3][i] = to == null ? null : to.number();
            columns[4][i] = to == null ? null : to.regionCode();
            columns[5][i] = q.fromNumber().orElse(null);
            columns[6][i] = q.variables().toString();
            columns[7][i] = q.metadata().toString();
            columns[8][i] = q.webhookUrl().orElse(null);
            columns[9][i] = "evt_" + Ids.next();
            columns[10][i] = "whd_" + Ids.next();
            columns[11][i] = r.keyId();
            columns[12][i] = to == null ? null : PhoneNumbers.type(to.number());
            columns[13][i] = q.retry().map(rule -> rule.write().toString()).orElse(null);
            columns[14][i] = q.onCapacity().wire();
            Optional<CallingHours.Deferral> wait = defer(q, windows[i], now, seen);
            columns[15][i] = wait.isPresent() ? "calling_window" : q.scheduledAt().isPresent() ? "requested" : null;
            columns[16][i] = wait.map(CallingHours.Deferral::note).orElse(null);
            columns[17][i] = q.callingWindow().stored();
            columns[18][i] = q.callee().channel().wire();
            scheduled[i] = wait.map(CallingHours.Deferral::opening).or(q::scheduledAt).map(java.sql.Timestamp::from).orElse(null);
            if (q.callee() instanceof CreateCallRequest.Callee.Web web) {
                columns[19][i] = HexFormat.of().formatHex(web.tokenSha256());
                joinBy[i] = java.sql.Timestamp.from(web.joinBy());
            }
        }
        Map<String, Outcome> outcomes = new HashMap<>(n * 2);
        try (PreparedStatement st = c.prepareStatement(INSERT_BATCH)) {
            for (int col = 0; col < columns.length; col++) {
                Array array = c.createArrayOf("text", columns[col]);
                st.setArray(col + 1, array);
            }
            st.setArray(columns.length + 1, c.createArrayOf("timestamptz", scheduled));
            st.setArray(columns.length + 2, c.createArrayOf("timestamptz", joinBy));
            st.setArray(columns.length + 3, c.createArrayOf("text", nodeKeys));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(1);
                    boolean enabled = rs.getBoolean(2);
                    boolean noAssistant = rs.wasNull();
                    String missing = rs.getString(3);
                    Array missingKey = rs.getArray(6);
                    String[] key = missingKey == null ? null : (String[]) missingKey.getArray();
                    String refused = rs.getString(7);
                    String over = rs.getString(10);
                    String busy = rs.getString(17);
                    outcomes.put(id, !rs.getBoolean(4) ? new Outcome.KeyRefused()
                            : !rs.getBoolean(5) ? new Outcome.WorkspaceGone()
                            : refused != null ? new Outcome.Refused(refused, rs.getString(8), rs.getString(9))
                            : over != null ? new Outcome.OverDailyCap(new DailyCaps.Over(over, rs.getInt(11), rs.getInt(12),
                                    rs.getLong(13), rs.getLong(14), rs.getLong(15), rs.getInt(16)))
                            : busy != null ? new Outcome.AtCapacity(busy, rs.getInt(18), rs.getLong(19))
                            : noAssistant ? new Outcome.NoAssistant()
                            : !enabled ? new Outcome.AssistantDisabled()
                            : key != null ? new Outcome.MissingKey(key[0], key[1])
                            : missing != null ? new Outcome.MissingVariable(missing) : new Outcome.Created());
                }
            }
        }
        return outcomes;
    }

    /** A row's settings for calling hours: the window its assistant or workspace gives, if any. */
    private record WindowSettings(Optional<CallingWindow> inherited, boolean sandboxIncluded, boolean ownTrunk) {}

    private record SettingsKey(String workspaceId, String assistantId, String fromNumber) {}

    /**
     * The calling-hours settings of each row, in one query for the batch, once per distinct
     * workspace, assistant and caller id; rows whose request turned the window off need none. Read
     * outside the insert, so a setting changed in between can make the insert's choice stale: the
     * dialer checks the window again just before it dials.
     */
    private static WindowSettings[] windowSettings(Connection c, List<Row> rows) throws SQLException {
        Map<SettingsKey, Integer> keys = new HashMap<>();
        int[] keyOf = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            keyOf[i] = r.request().callingWindow() instanceof CallingWindow.Choice.Off ? -1
                    : keys.computeIfAbsent(new SettingsKey(r.workspaceId(), r.request().assistantId(),
                            r.request().fromNumber().orElse(null)), k -> keys.size());
        }
        WindowSettings[] out = new WindowSettings[rows.size()];
        if (keys.isEmpty()) {
            return out;
        }
        String[][] columns = new String[3][keys.size()];
        keys.forEach((k, n) -> {
            columns[0][n] = k.workspaceId();
            columns[1][n] = k.assistantId();
            columns[2][n] = k.fromNumber();
        });
        WindowSettings[] distinct = new WindowSettings[keys.size()];
        try (PreparedStatement st = c.prepareStatement(WINDOW_SETTINGS)) {
            for (int col = 0; col < 3; col++) {
                st.setArray(col + 1, c.createArrayOf("text", columns[col]));
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    distinct[rs.getInt(1) - 1] = new WindowSettings(CallingHours.stored(rs.getString(2)), rs.getBoolean(3),
                            rs.getBoolean(4));
                }
            }
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = keyOf[i] < 0 ? null : distinct[keyOf[i]];
        }
        return out;
    }

    /**
     * Whether the row must wait for its calling hours, from when it is due (now, or its scheduled_at).
     * Worked out once per batch for each window, set of zones and due time: a batch is typically many
     * calls of one campaign into a few zones.
     */
    private Optional<CallingHours.Deferral> defer(CreateCallRequest q, WindowSettings settings, Instant now,
                                                  Map<List<Object>, Optional<CallingHours.Deferral>> seen) {
        Optional<CallingWindow> window = switch (q.callingWindow()) {
            case CallingWindow.Choice.Off off -> Optional.empty();
            case CallingWindow.Choice.Use use -> Optional.of(use.window());
            case CallingWindow.Choice.Inherit inherit -> settings.inherited();
        };
        if (window.isEmpty() || !hours.applies(settings.ownTrunk(), settings.sandboxIncluded())) {
            return Optional.empty();
        }
        Instant due = q.scheduledAt().filter(now::isBefore).orElse(now);
        List<ZoneId> zones = PhoneNumbers.zones(q.to().number());
        return seen.computeIfAbsent(List.of(window.get(), zones, settings.ownTrunk(), settings.sandboxIncluded(), due),
                k -> hours.defer(window, zones, settings.ownTrunk(), settings.sandboxIncluded(), due));
    }

    /** For rows inserted through {@link #insert} in a caller's transaction, once it committed. */
    void committed() {
        eventsWritten.run();
    }

    /** Stops taking rows; rows already queued are still written. */
    @Override
    public void close() {
        closed = true;
        for (Thread t : writers) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
