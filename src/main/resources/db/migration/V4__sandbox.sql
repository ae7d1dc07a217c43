-- The sandbox: softphones register with their E.164 number as user and the workspace's sandbox
-- password (sealed like every stored secret); calls to a registered number ring it.
ALTER TABLE workspaces ADD COLUMN sandbox_password bytea;

CREATE TABLE sandbox_registrations (
    workspace_id char(24)    NOT NULL,
    number       text        NOT NULL,
    contact      text        NOT NULL,
    source       text        NOT NULL,
    expires_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, number)
);
