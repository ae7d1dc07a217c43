-- Calls' stereo WAV recordings, so that any node can serve the recording of a call another node
-- placed (they were files under the placing node's data dir). 8 kHz 16-bit stereo is 32 kB a
-- second, about 1 MB a minute and 19 MB for a 10-minute call: bytea holds that well (TOAST stores it
-- out of line), and the rows are backed up with the database. Deployments with large volumes set
-- recordings.url to an S3-compatible bucket instead, and this table stays empty.
CREATE TABLE call_recordings (
    call_id      text        PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    content_type text        NOT NULL,
    size_bytes   bigint      NOT NULL CHECK (size_bytes >= 0),
    bytes        bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
