-- Per-appeal verdicts kept up to date as facts arrive, and per-unit running totals of a month,
-- so a read costs the number of units, not the number of events (README: "Reads").
-- One row per letter that counts for some unit (role holder / returned / co_handler), or that
-- counts for nobody (role excluded: a merged duplicate), as domain/verdicts.py builds it.
CREATE TABLE appeal_verdicts (
    appeal_id          uuid        NOT NULL,
    role               text        NOT NULL,
    unit_code          text        NOT NULL,
    received_at        timestamptz NOT NULL,
    period             text        NOT NULL,
    unit_group         text,
    tracking_number    text,
    signed_at          timestamptz,
    response_ends_at   timestamptz,     -- unsigned from then on = not responded
    completed_on_time  boolean,         -- by a fact (stop / overdue); NULL = not yet
    due_at             timestamptz,     -- undecided completion counts as late from then on
    resolved           boolean,
    satisfied          boolean,
    reopened           int         NOT NULL DEFAULT 0,
    overdue            boolean     NOT NULL DEFAULT false,
    supervision_level  int         NOT NULL DEFAULT 0,
    working_days       int,
    contributed        boolean,
    lead_unit_code     text,
    reason             text,
    pending            boolean     NOT NULL DEFAULT false,  -- some outcome still waits for a fact or its time
    PRIMARY KEY (appeal_id, role, unit_code, received_at)
);
CREATE INDEX appeal_verdicts_by_unit ON appeal_verdicts (period, unit_code);
CREATE INDEX appeal_verdicts_pending ON appeal_verdicts (period) WHERE pending;
CREATE INDEX appeal_verdicts_by_time ON appeal_verdicts (received_at);

-- Sums of the verdict rows' contributions per month and unit (domain/verdicts.py COUNTERS),
-- changed by the difference whenever an appeal's verdict is replaced.
CREATE TABLE unit_month_totals (
    period                text   NOT NULL,
    unit_code             text   NOT NULL,
    unit_group            text,
    group_at              timestamptz,   -- time of the latest letter whose group this is
    received              bigint NOT NULL DEFAULT 0,
    signed                bigint NOT NULL DEFAULT 0,
    signed_on_time        bigint NOT NULL DEFAULT 0,
    completion_known      bigint NOT NULL DEFAULT 0,
    completed_on_time     bigint NOT NULL DEFAULT 0,
    rated                 bigint NOT NULL DEFAULT 0,
    resolved              bigint NOT NULL DEFAULT 0,
    satisfied             bigint NOT NULL DEFAULT 0,
    reopened              bigint NOT NULL DEFAULT 0,
    reopened_letters      bigint NOT NULL DEFAULT 0,
    overdue               bigint NOT NULL DEFAULT 0,
    supervised            bigint NOT NULL DEFAULT 0,
    supervision_level_1   bigint NOT NULL DEFAULT 0,
    supervision_level_2   bigint NOT NULL DEFAULT 0,
    supervision_level_3   bigint NOT NULL DEFAULT 0,
    completed             bigint NOT NULL DEFAULT 0,
    working_days_total    bigint NOT NULL DEFAULT 0,
    returned              bigint NOT NULL DEFAULT 0,
    co_handled            bigint NOT NULL DEFAULT 0,
    co_known              bigint NOT NULL DEFAULT 0,
    co_contributed        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (period, unit_code)
);

-- Facts stored before this migration have no verdicts yet: the service rebuilds them once.
CREATE TABLE verdict_rebuilds (
    requested_at  timestamptz PRIMARY KEY DEFAULT now()
);
INSERT INTO verdict_rebuilds SELECT now() WHERE EXISTS (SELECT 1 FROM appeal_facts);

-- The formula of version 1 counted occurrences; from v2 every deduction is a rate.
ALTER TABLE weights_versions ADD COLUMN basis text NOT NULL DEFAULT 'per_occurrence';
ALTER TABLE weights_versions ALTER COLUMN basis SET DEFAULT 'rate';
INSERT INTO weights_versions (version, weights, deductions, note, created_by, basis) VALUES (
    'v2',
    '{"response": 20, "on_time": 20, "resolution": 30, "satisfaction": 30}',
    '{"escalation_level_2": 10, "escalation_level_3": 20, "reopened": 10, "co_handling_missed": 10}',
    'rates only: the score compares quality at any volume (services/assessment/README.md "Score")',
    'migration', 'rate'
);
SELECT setval(pg_get_serial_sequence('weights_versions', 'id'), (SELECT max(id) FROM weights_versions));
