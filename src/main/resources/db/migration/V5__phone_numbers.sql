-- A workspace's phone numbers: the caller id and the SIP trunk that carries calls from it.
-- The trunk password is sealed (AES-GCM) like every stored secret and never returned by the API.
CREATE TABLE phone_numbers (
    id           char(24)    PRIMARY KEY,
    workspace_id char(24)    NOT NULL,
    number       text        NOT NULL,
    trunk_host   text        NOT NULL,
    trunk_port   integer     NOT NULL,
    transport    text        NOT NULL,
    username     text,
    password     bytea,
    is_default   boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, number)
);
CREATE UNIQUE INDEX phone_numbers_one_default ON phone_numbers(workspace_id) WHERE is_default;
