-- Why a queued call waits for a later time than it was accepted at: 'requested' (the request's
-- scheduled_at), 'calling_window' (outside the callee's calling hours), 'retry' (an attempt after an
-- earlier one's outcome). Null: the call was due when accepted. Shown in GET as the queue's reason.
ALTER TABLE calls ADD COLUMN scheduled_reason text
    CHECK (scheduled_reason IN ('requested', 'calling_window', 'retry'));
UPDATE calls SET scheduled_reason = 'requested' WHERE scheduled_at IS NOT NULL;
