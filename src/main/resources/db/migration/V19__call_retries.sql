-- Retries per outcome (issue 14, item 5). Each attempt is a call of its own:
--   attempt         1 for a call created through the API, n for the nth try of the same request;
--   parent_call_id  the first attempt's id on every later attempt (null on the first), so one filter
--                   lists a request's whole series;
--   retry           the rule the series follows, normalized (RetryRule): the request's "retry", else
--                   the assistant's config.retry when the first attempt was accepted; null for none.
--                   Copied to every attempt, so an assistant edited meanwhile does not change a series.
-- No foreign key to calls(id): a call row is never deleted, and the parent row is already locked by
-- the transaction that writes its final status and, in it, the next attempt.
ALTER TABLE calls
    ADD COLUMN attempt        integer NOT NULL DEFAULT 1 CHECK (attempt BETWEEN 1 AND 10),
    ADD COLUMN parent_call_id text,
    ADD COLUMN retry          jsonb;

-- At most one call per (series, attempt): an end recorded twice, or by two nodes, cannot make two
-- retries. Also the index of the list filter parent_call_id.
CREATE UNIQUE INDEX calls_series_attempt ON calls(parent_call_id, attempt) WHERE parent_call_id IS NOT NULL;
