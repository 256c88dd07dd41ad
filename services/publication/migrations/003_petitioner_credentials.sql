-- Only the petitioner rates: the evaluation tokens intake sent with each reply (keyed hashes
-- only, as EvaluationInvited carried them), and the centre's return calls after a second
-- dissatisfied rating (差评二次回访) with the decision taken.

CREATE TABLE evaluation_tokens (
    appeal_id   uuid        NOT NULL,
    token_hash  text        NOT NULL,
    replied_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (appeal_id, token_hash)
);
CREATE INDEX evaluation_tokens_expiry ON evaluation_tokens (expires_at);

CREATE TABLE return_calls (
    return_call_id        bigserial   PRIMARY KEY,
    appeal_id             uuid        NOT NULL,
    tracking_number       text        NOT NULL,
    unit_code             text,
    dissatisfied_ratings  int         NOT NULL,
    requested_at          timestamptz NOT NULL,
    decision              text        CHECK (decision IN ('reopen', 'close')),
    reason                text,
    decided_by            text,
    decided_at            timestamptz
);
-- At most one undecided return call per appeal.
CREATE UNIQUE INDEX return_calls_open ON return_calls (appeal_id) WHERE decision IS NULL;
CREATE INDEX return_calls_queue ON return_calls (requested_at) WHERE decision IS NULL;
