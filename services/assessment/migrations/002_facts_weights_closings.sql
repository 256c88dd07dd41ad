-- Facts of the appeal lifecycle as assessment sees them: one row per logical fact, whatever
-- order or how often the events arrived. Every number is computed from these rows by query,
-- so the same facts always give the same scores, and each number can be traced to its events.
-- Identity is (appeal, kind, unit, time): a redelivery with a new event id is the same fact.
CREATE TABLE appeal_facts (
    appeal_id        uuid        NOT NULL,
    kind             text        NOT NULL,
    unit_code        text        NOT NULL DEFAULT '',
    occurred_at      timestamptz NOT NULL,
    period           text,            -- month (Shanghai) of a receipt: dispatched / redispatched
    attempt          int,
    level            int,
    flag             boolean,         -- met (deadline stop), solved (evaluation)
    label            text,            -- outcome, satisfaction, unit group, deadline reason
    other_unit       text,            -- re-dispatched from, lead unit of a co-handler, merged into
    co_units         text[]      NOT NULL DEFAULT '{}',
    tracking_number  text,
    event_id         uuid        NOT NULL,
    event_type       text        NOT NULL,
    seq              bigserial,
    PRIMARY KEY (appeal_id, kind, unit_code, occurred_at)
);
CREATE INDEX appeal_facts_receipts ON appeal_facts (period) WHERE period IS NOT NULL;
CREATE INDEX appeal_facts_by_unit ON appeal_facts (unit_code, period);

-- Weights and deductions of the score formula, as versioned data: a new version never
-- changes an old one, and every score names the version it was computed with.
CREATE TABLE weights_versions (
    id          serial      PRIMARY KEY,
    version     text        NOT NULL UNIQUE,
    weights     jsonb       NOT NULL,
    deductions  jsonb       NOT NULL,
    note        text        NOT NULL DEFAULT '',
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO weights_versions (version, weights, deductions, note, created_by) VALUES (
    'v1',
    '{"response": 30, "resolution": 35, "satisfaction": 35}',
    '{"overdue": 1.0, "supervision_level_1": 1.0, "supervision_level_2": 2.0, "supervision_level_3": 3.0, "reopened": 0.5, "co_handling_missed": 0.5}',
    'default: response / resolution / satisfaction 30 / 35 / 35 (domain.md, county practice)',
    'migration'
);

-- A closed month: what was published for it and with which weights. Late facts for a closed
-- month mark it for a recheck; the recheck publishes a correction when the scores changed.
CREATE TABLE period_closings (
    period           text        PRIMARY KEY,
    weights_version  text        NOT NULL REFERENCES weights_versions (version),
    closed_by        text        NOT NULL,
    closed_at        timestamptz NOT NULL,
    publication_id   uuid        NOT NULL,   -- the latest publication (ce_id) for the month
    scores           jsonb       NOT NULL
);

CREATE TABLE publications (
    publication_id   uuid        PRIMARY KEY,  -- the ce_id of UnitScoresPublished
    period           text        NOT NULL REFERENCES period_closings (period) DEFERRABLE INITIALLY DEFERRED,
    correction_of    uuid        REFERENCES publications (publication_id),
    weights_version  text        NOT NULL,
    scores           jsonb       NOT NULL,
    published_at     timestamptz NOT NULL
);
CREATE INDEX publications_by_period ON publications (period, published_at);

CREATE TABLE period_rechecks (
    period      text        PRIMARY KEY,
    marked_at   timestamptz NOT NULL DEFAULT now()
);
