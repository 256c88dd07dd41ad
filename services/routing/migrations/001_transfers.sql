-- Routing's state: the current transfer letter of each appeal.
CREATE TABLE transfers (
    appeal_id        uuid PRIMARY KEY,
    tracking_number  text        NOT NULL,
    unit_code        text,
    co_unit_codes    text[]      NOT NULL DEFAULT '{}',
    rule_id          text,
    state            text        NOT NULL CHECK (state IN ('dispatched', 'awaiting_operator')),
    appeal_type      text        NOT NULL,
    subtype          text,
    category         text        NOT NULL,
    district         text        NOT NULL,
    attempt          int         NOT NULL DEFAULT 1,
    dispatched_at    timestamptz
);

CREATE INDEX transfers_by_unit ON transfers (unit_code, state);
