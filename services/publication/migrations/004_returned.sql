-- A unit returned the letter and no new one went out yet: the public page shows the appeal as
-- waiting for re-dispatch (待重新派单), derived in domain/lifecycle.py from this time.
ALTER TABLE public_appeals ADD COLUMN returned_at timestamptz;
