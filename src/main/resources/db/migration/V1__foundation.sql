-- Tenancy: organizations own workspaces; API keys belong to an organization.
CREATE TABLE organizations (
    id          char(24)    PRIMARY KEY,
    name        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE workspaces (
    id              char(24)    PRIMARY KEY,
    organization_id char(24)    NOT NULL REFERENCES organizations(id),
    name            text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workspaces_organization ON workspaces(organization_id);

-- Only a SHA-256 of the secret part is kept; key_id is the public, indexed half of the key.
CREATE TABLE api_keys (
    key_id          text        PRIMARY KEY,
    organization_id char(24)    NOT NULL REFERENCES organizations(id),
    secret_sha256   bytea       NOT NULL,
    label           text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz
);

CREATE TABLE assistants (
    id           char(24)    PRIMARY KEY,
    workspace_id char(24)    NOT NULL REFERENCES workspaces(id),
    name         text        NOT NULL,
    enabled      boolean     NOT NULL DEFAULT true,
    config       jsonb       NOT NULL,
    seq          bigint      GENERATED ALWAYS AS IDENTITY,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz
);
CREATE INDEX assistants_workspace_seq ON assistants(workspace_id, seq DESC) WHERE deleted_at IS NULL;

-- No foreign keys to workspaces or assistants: each would take a KEY SHARE lock on one hot parent
-- row per insert, and concurrent inserts then pile up MultiXacts. Neither parent is ever deleted
-- (assistants are soft-deleted), and the insert itself selects the assistant in its workspace.
CREATE TABLE calls (
    id               text        PRIMARY KEY,
    workspace_id     char(24)    NOT NULL,
    assistant_id     char(24)    NOT NULL,
    to_number        text        NOT NULL,
    to_country       text,
    from_number      text,
    status           text        NOT NULL,
    variables        jsonb       NOT NULL DEFAULT '{}',
    metadata         jsonb       NOT NULL DEFAULT '{}',
    webhook_url      text,
    ended_reason     text,
    sip_code         integer,
    seq              bigint      GENERATED ALWAYS AS IDENTITY,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    answered_at      timestamptz,
    ended_at         timestamptz
);
CREATE INDEX calls_workspace_seq ON calls(workspace_id, seq DESC);
CREATE INDEX calls_workspace_status_seq ON calls(workspace_id, status, seq DESC);

-- Every status transition, with time and reason: the call's history.
CREATE TABLE call_events (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id     text        NOT NULL REFERENCES calls(id),
    status      text        NOT NULL,
    reason      text        NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX call_events_call ON call_events(call_id, id);

-- Work for the dialer: claimed with FOR UPDATE SKIP LOCKED and a lease.
CREATE TABLE dial_jobs (
    call_id       text        PRIMARY KEY REFERENCES calls(id),
    workspace_id  char(24)    NOT NULL,
    run_at        timestamptz NOT NULL DEFAULT now(),
    attempts      integer     NOT NULL DEFAULT 0,
    leased_by     text,
    lease_until   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dial_jobs_due ON dial_jobs(run_at) WHERE leased_by IS NULL;

-- The call created for (workspace, Idempotency-Key) and a hash of its request, kept 24 hours.
CREATE TABLE idempotency_keys (
    workspace_id  char(24)    NOT NULL,
    key           text        NOT NULL,
    request_hash  bytea       NOT NULL,
    call_id       text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, key)
);
