-- Calling hours in the callee's time zone (issue 14, item 3).
-- The workspace's window, {"start": "HH:MM", "end": "HH:MM"}; NULL turns it off. New and existing
-- workspaces get 08:00-21:00, the TCPA's hours for telemarketing calls.
ALTER TABLE workspaces
    ADD COLUMN calling_window jsonb DEFAULT '{"start": "08:00", "end": "21:00"}',
    -- Softphones registered to the built-in sandbox reach no real person: exempt unless this is set.
    ADD COLUMN calling_window_applies_to_sandbox boolean NOT NULL DEFAULT false;

-- A request's own calling_window: NULL keeps the assistant's or workspace's, JSON null turns it off,
-- an object replaces it. Read again just before the call is dialed.
ALTER TABLE calls ADD COLUMN calling_window jsonb;
