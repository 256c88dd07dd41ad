-- SLA's open clocks: one deadline per appeal, for the unit that holds it now.
CREATE TABLE deadlines (
    appeal_id         uuid PRIMARY KEY,
    unit_code         text        NOT NULL,
    appeal_type       text        NOT NULL,
    subtype           text,
    category          text        NOT NULL,
    starts_on         date        NOT NULL,
    working_days      int         NOT NULL,
    due_at            timestamptz NOT NULL,
    provisional       boolean     NOT NULL,
    calendar_version  text        NOT NULL,
    state             text        NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'stopped')),
    set_at            timestamptz NOT NULL
);

-- The due-time poller reads open deadlines in due order.
CREATE INDEX deadlines_open_due ON deadlines (due_at) WHERE state = 'open';
