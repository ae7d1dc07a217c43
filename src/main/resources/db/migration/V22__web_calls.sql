-- Test calls from the browser (issue 16): a call whose "phone line" is a WebSocket from a browser.
-- channel says which: 'phone' for every call so far, 'web' for a browser's, which has no callee number.
-- The browser joins with a token shown once in the create response; only its SHA-256 is kept, with the
-- time by which it must join (a replay of the create with its Idempotency-Key replaces both).
ALTER TABLE calls
    ADD COLUMN channel          text NOT NULL DEFAULT 'phone' CHECK (channel IN ('phone', 'web')),
    ADD COLUMN web_token_sha256 bytea,
    ADD COLUMN web_join_by      timestamptz,
    ALTER COLUMN to_number DROP NOT NULL;

-- Added unchecked, then validated: the scan does not block writes to calls meanwhile.
ALTER TABLE calls ADD CONSTRAINT calls_channel_fields CHECK (CASE channel
    WHEN 'phone' THEN to_number IS NOT NULL AND web_token_sha256 IS NULL
    WHEN 'web' THEN to_number IS NULL AND web_token_sha256 IS NOT NULL AND web_join_by IS NOT NULL
END) NOT VALID;
ALTER TABLE calls VALIDATE CONSTRAINT calls_channel_fields;
