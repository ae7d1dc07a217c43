-- Workspace settings: limits (enforced by the dialer), default webhook URL, signing secrets.
-- Secrets are AES-GCM ciphertexts under the node's master key (see SecretBox), never plaintext.
ALTER TABLE workspaces
    ADD COLUMN max_concurrent_calls        integer     NOT NULL DEFAULT 10,
    ADD COLUMN calls_per_second            integer     NOT NULL DEFAULT 5,
    ADD COLUMN webhook_url                 text,
    ADD COLUMN webhook_secret              bytea,
    ADD COLUMN webhook_secret_previous     bytea,
    ADD COLUMN webhook_secret_previous_until timestamptz;

-- The outbox: every event, written in the transaction that changed the call.
CREATE TABLE webhook_events (
    id           text        PRIMARY KEY,
    seq          bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    workspace_id char(24)    NOT NULL,
    call_id      text        NOT NULL REFERENCES calls(id),
    type         text        NOT NULL,
    payload      jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_events_call ON webhook_events(call_id, seq);

-- One delivery of an event to the URL chosen when it was written. State: pending (lease_until in
-- the future while a worker sends it), delivered, failed. Per call, a delivery is sent only when no
-- earlier one of the same call is still pending: that keeps per-call order.
CREATE TABLE webhook_deliveries (
    id               text        PRIMARY KEY,
    event_id         text        NOT NULL UNIQUE REFERENCES webhook_events(id),
    event_seq        bigint      NOT NULL,
    workspace_id     char(24)    NOT NULL,
    call_id          text        NOT NULL,
    url              text        NOT NULL,
    state            text        NOT NULL DEFAULT 'pending',
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    lease_until      timestamptz,
    leased_by        text,
    last_status_code integer,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz
);
-- The claim walks pending deliveries in (next_attempt_at, event_seq) order and stops at its limit;
-- the per-call order check probes pending deliveries of one call. Both are partial indexes, so their
-- size follows the backlog, not history. Without them a claim sorted the whole backlog (14 ms at
-- 10,000 pending, measured) and claims are frequent.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at, event_seq) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_pending_call ON webhook_deliveries(call_id, event_seq) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_call ON webhook_deliveries(call_id, event_seq);
CREATE INDEX webhook_deliveries_workspace ON webhook_deliveries(workspace_id, event_seq);

CREATE TABLE webhook_attempts (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id  text        NOT NULL REFERENCES webhook_deliveries(id),
    at           timestamptz NOT NULL DEFAULT now(),
    status_code  integer,
    error        text,
    latency_ms   integer     NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, id);
