-- Administered tenancy (issue 10): keys with a name users see, an optional workspace they are
-- limited to, an expiry and the time of their last use; workspaces that can be deleted.
ALTER TABLE api_keys RENAME COLUMN label TO name;
ALTER TABLE api_keys
    ADD COLUMN workspace_id char(24) REFERENCES workspaces(id),
    ADD COLUMN expires_at   timestamptz,
    -- Written in batches by each node (KeyUsage), never per request: up to a minute late.
    ADD COLUMN last_used_at timestamptz;
CREATE INDEX api_keys_organization ON api_keys(organization_id, created_at DESC);

-- Soft delete: calls, assistants and deliveries keep their workspace_id, and a deleted workspace's
-- id is refused by authentication on every node from the next request on.
ALTER TABLE workspaces ADD COLUMN deleted_at timestamptz;
