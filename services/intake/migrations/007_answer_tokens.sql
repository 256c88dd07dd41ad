-- The petitioner's word on an answer offered at intake (answer-feedback) needs a one-time
-- token that only the submitter received, in the receipt (issue 23): the appeal id and the
-- tracking number alone are no proof once the tracking number is public. Stored as a keyed
-- hash (shared/one_time.py). Offers made before this migration have none: the operator
-- confirms them, or the wait dispatches them as any other appeal.
-- (006 is left to the contact-keys migration of the crypto-shredding branch.)
ALTER TABLE answer_offers ADD COLUMN answer_token_hash text;
