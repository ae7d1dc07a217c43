-- Calling responsibly (issue 14, items 1 and 4).
-- Destinations: which countries a workspace may call (empty: all) and which kinds of number it may
-- not (libphonenumber's types, as the API names them). Checked by the create-call statement
-- against the type and country worked out when the request was parsed.
ALTER TABLE workspaces
    ADD COLUMN allowed_countries    text[] NOT NULL DEFAULT '{}',
    ADD COLUMN blocked_number_types text[] NOT NULL DEFAULT '{premium-rate,shared-cost}',
    -- {"dtmf": "9" or null, "phrases": [...]}; null means Parley's defaults (OptOutRules.DEFAULT).
    ADD COLUMN opt_out              jsonb;

-- The do-not-call list: E.164 numbers, once per workspace. The primary key is the index the
-- create-call statement and the dialer's last check before the INVITE look numbers up by; seq
-- orders the listing (cursor paging) without a second index on time.
CREATE TABLE do_not_call (
    workspace_id char(24)    NOT NULL,
    number       text        NOT NULL,
    source       text        NOT NULL CHECK (source IN ('api', 'csv', 'opt-out')),
    call_id      text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    seq          bigint      GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (workspace_id, number)
);
CREATE INDEX do_not_call_listing ON do_not_call(workspace_id, seq DESC);
