-- The dialer: when a job's call first went on the wire, and hang-up requests from any node.
ALTER TABLE dial_jobs
    ADD COLUMN dialed_at      timestamptz,
    ADD COLUMN hangup_reason  text,
    ADD COLUMN claimed_at     timestamptz;
CREATE INDEX dial_jobs_leased ON dial_jobs(leased_by) WHERE leased_by IS NOT NULL;
CREATE INDEX dial_jobs_workspace_active ON dial_jobs(workspace_id) WHERE dialed_at IS NOT NULL;

-- Calls can be scheduled: the dial job's run_at follows it.
ALTER TABLE calls ADD COLUMN scheduled_at timestamptz;

-- DTMF digits the callee pressed, in order (RFC 4733 events).
ALTER TABLE calls ADD COLUMN dtmf text NOT NULL DEFAULT '';
