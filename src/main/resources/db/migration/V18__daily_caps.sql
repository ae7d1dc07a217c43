-- Daily caps (issue 14, item 2): calls and call minutes per workspace per UTC day; null = no cap.
-- Workspaces that exist already keep no cap (an upgrade must not stop a running campaign); new
-- ones get Parley's defaults, set below (the README says why these numbers).
ALTER TABLE workspaces
    ADD COLUMN max_calls_per_day        integer CHECK (max_calls_per_day > 0),
    ADD COLUMN max_call_minutes_per_day integer CHECK (max_call_minutes_per_day > 0);
ALTER TABLE workspaces
    ALTER COLUMN max_calls_per_day SET DEFAULT 1000,
    ALTER COLUMN max_call_minutes_per_day SET DEFAULT 12000;

-- One row per workspace and UTC day: the counters the create-call statement checks and bumps
-- (under a per-workspace advisory lock, so nodes and writer threads count alike) instead of
-- counting the day's calls per batch. calls: accepted that day. reserved_seconds: what the day's
-- calls not ended yet may still use (each holds its max duration plus an allowance for its end);
-- used_seconds: the answered durations of the day's ended calls. A call's end moves its
-- reservation to used_seconds (CallTransitions), so used + reserved never falls below the truth.
CREATE TABLE workspace_days (
    workspace_id     char(24) NOT NULL,
    day              date     NOT NULL,
    calls            integer  NOT NULL DEFAULT 0,
    used_seconds     bigint   NOT NULL DEFAULT 0,
    reserved_seconds bigint   NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, day)
);

-- What the call holds of its day's minutes until it ends; null for calls accepted before V18
-- (they never reserved, so their end gives nothing back).
ALTER TABLE calls ADD COLUMN reserved_seconds integer;

-- The workspace's jobs by due time: on_capacity "reject" counts the ones due now, the queue view
-- a waiting call's place among them.
CREATE INDEX dial_jobs_workspace_run ON dial_jobs(workspace_id, run_at);
