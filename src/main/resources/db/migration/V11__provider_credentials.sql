-- API keys of network providers (issue 11), per workspace: sealed by SecretBox (AES-256-GCM under
-- the master key, which never enters the database), never returned by the API. Workspaces are
-- soft-deleted (V10); deleting one deletes its rows here, so a key does not outlive its workspace.
CREATE TABLE provider_credentials (
    workspace_id char(24)    NOT NULL REFERENCES workspaces(id),
    provider     text        NOT NULL,
    api_key      bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, provider)
);

-- The providers whose key an assistant's calls need, each with the first config field that uses
-- it ({"deepgram": "config.transcriber"}), worked out when the assistant is saved, so the statement
-- that accepts a call can refuse one that would fail for want of a key (see CallInserts). NULL for
-- assistants saved before this version: filled in by Java at the next start (the rule reads the
-- whole config: fallbacks, base_url hosts). No default, so a row written by an older node during a
-- rolling upgrade is filled in too.
ALTER TABLE assistants ADD COLUMN required_keys jsonb;
