-- The public read model. Events from different topics arrive in any order, so each event
-- fills in its own columns; a row is public only once intake's acceptance said it may be
-- disclosed (private = false). Only non-personal fields are kept.
CREATE TABLE public_appeals (
    appeal_id        uuid PRIMARY KEY,
    tracking_number  text UNIQUE,
    appeal_type      text,
    category         text,
    district         text,
    private          boolean,
    unit_name        text,
    accepted_at      timestamptz,
    dispatched_at    timestamptz,
    expected_at      timestamptz,
    updated_at       timestamptz NOT NULL
);

CREATE INDEX public_appeals_recent ON public_appeals (accepted_at DESC) WHERE private = false;
