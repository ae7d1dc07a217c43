-- The calls list filtered by number (the dashboard's "what happened with the call to +1..."): without
-- it, a number with few calls or none scans the workspace's every call, newest first, on each poll.
-- Status, assistant and dates are left to calls_workspace_seq: their matches are common, or follow seq.
CREATE INDEX calls_workspace_to_number_seq ON calls(workspace_id, to_number, seq DESC);
