-- A returned letter stops its unit's clock until the platform re-dispatches the appeal
-- (handlers/lifecycle.py on_returned). The running-clock queries exclude it explicitly
-- (`state <> 'stopped' AND state <> 'returned'`), which still implies the partial indexes'
-- `state <> 'stopped'`, so the indexes stay as they are.
ALTER TABLE deadlines DROP CONSTRAINT deadlines_state_check;
ALTER TABLE deadlines ADD CONSTRAINT deadlines_state_check
    CHECK (state IN ('awaiting_signature', 'open', 'stopped', 'returned'));
