-- Signed-in dashboard sessions (issue 16). The browser holds the token in an HttpOnly cookie; only its
-- hash is stored. A session acts with the API key it was opened with: revoking that key ends it.
CREATE TABLE dashboard_sessions (
    token_sha256    bytea       PRIMARY KEY,
    key_id          text        NOT NULL REFERENCES api_keys(key_id) ON DELETE CASCADE,
    organization_id char(24)    NOT NULL REFERENCES organizations(id),
    csrf_token      text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);
CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expires_at);
