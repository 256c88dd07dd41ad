-- One row per (appeal, unit) that a unit received in a period: every count is a query over
-- these rows, so each number can be drilled down to the appeals behind it.
CREATE TABLE received_appeals (
    appeal_id      uuid        NOT NULL,
    unit_code      text        NOT NULL,
    period         text        NOT NULL,
    dispatched_at  timestamptz NOT NULL,
    PRIMARY KEY (appeal_id, unit_code)
);

CREATE INDEX received_appeals_by_period ON received_appeals (period, unit_code);
