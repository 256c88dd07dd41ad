-- Deadlines that wait for the unit's signature, restart, stop, and carry their ladder position.
ALTER TABLE deadlines DROP CONSTRAINT deadlines_state_check;
ALTER TABLE deadlines ADD CONSTRAINT deadlines_state_check
    CHECK (state IN ('awaiting_signature', 'open', 'stopped'));

ALTER TABLE deadlines
    ADD COLUMN received_at       timestamptz,                    -- when counting started
    ADD COLUMN period_days       int,                            -- by type/category, before extensions
    ADD COLUMN extended_days     int         NOT NULL DEFAULT 0, -- approved extensions of this clock
    ADD COLUMN attempt           int         NOT NULL DEFAULT 1, -- routing's dispatch attempt
    ADD COLUMN epoch             int         NOT NULL DEFAULT 1, -- +1 whenever the clock restarts
    ADD COLUMN early_reminder    boolean     NOT NULL DEFAULT false,
    ADD COLUMN key_supervision   boolean     NOT NULL DEFAULT false,
    ADD COLUMN supervision_level int         NOT NULL DEFAULT 0,
    ADD COLUMN overdue_since     timestamptz,
    ADD COLUMN fired_steps       text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN next_step         text,
    ADD COLUMN next_fire_at      timestamptz,
    ADD COLUMN stopped_at        timestamptz,
    ADD COLUMN met               boolean;

-- Rows from the walking skeleton: counting started on their start day.
UPDATE deadlines SET received_at = (starts_on::timestamp AT TIME ZONE 'Asia/Shanghai'),
                     period_days = working_days
 WHERE received_at IS NULL;
ALTER TABLE deadlines ALTER COLUMN received_at SET NOT NULL, ALTER COLUMN period_days SET NOT NULL;

-- The due-time poller claims rows in next_fire_at order (FOR UPDATE SKIP LOCKED).
CREATE INDEX deadlines_next_fire ON deadlines (next_fire_at) WHERE next_fire_at IS NOT NULL;
CREATE INDEX deadlines_supervised ON deadlines (unit_code, supervision_level) WHERE state <> 'stopped';

-- Every ladder step that fired: the guard that makes each step fire once per clock.
CREATE TABLE ladder_fired (
    appeal_id     uuid        NOT NULL,
    epoch         int         NOT NULL,
    step          text        NOT NULL,
    fire_at       timestamptz NOT NULL,
    fired_at      timestamptz NOT NULL,
    rules_version text        NOT NULL,
    PRIMARY KEY (appeal_id, epoch, step)
);

-- Operator-loaded yearly schedules; they beat chinese-calendar for their year.
CREATE SEQUENCE calendar_revision;
CREATE TABLE calendar_years (
    year       int         PRIMARY KEY,
    holidays   jsonb       NOT NULL,  -- [{"date": "2027-02-06", "name": "春节"}, ...]
    workdays   date[]      NOT NULL,  -- weekend days that are make-up working days
    version    text        NOT NULL,
    loaded_by  text        NOT NULL,
    loaded_at  timestamptz NOT NULL,
    revision   bigint      NOT NULL DEFAULT nextval('calendar_revision')
);

CREATE TABLE extensions (
    extension_id    uuid        PRIMARY KEY,
    appeal_id       uuid        NOT NULL,
    unit_code       text        NOT NULL,
    working_days    int         NOT NULL CHECK (working_days >= 1),
    reason          text        NOT NULL,
    requested_at    timestamptz NOT NULL,
    status          text        NOT NULL CHECK (status IN ('pending', 'approved', 'refused', 'withdrawn')),
    decided_by      text,
    decided_at      timestamptz,
    decision_reason text,
    UNIQUE (appeal_id, requested_at)
);
CREATE INDEX extensions_pending ON extensions (requested_at) WHERE status = 'pending';

-- Events about appeals sla does not know yet, applied once the transfer letter arrives.
CREATE TABLE parked_events (
    seq          bigserial   PRIMARY KEY,
    event_id     uuid        NOT NULL UNIQUE,
    appeal_id    uuid        NOT NULL,
    event_type   text        NOT NULL,
    headers      jsonb       NOT NULL,
    body         bytea       NOT NULL,
    parked_at    timestamptz NOT NULL,
    failure      text                  -- set when applying it later failed: dead-lettered next sweep
);
CREATE INDEX parked_events_appeal ON parked_events (appeal_id, seq);
CREATE INDEX parked_events_age ON parked_events (parked_at);

-- What concentration detection keeps of an accepted appeal: no text, only hashed bigrams.
CREATE TABLE accepted_appeals (
    appeal_id       uuid        PRIMARY KEY,
    category        text        NOT NULL,
    district        text        NOT NULL,
    shingles        int[]       NOT NULL,
    early_reminder  boolean     NOT NULL,
    key_supervision boolean     NOT NULL DEFAULT false,
    accepted_at     timestamptz NOT NULL
);
CREATE INDEX accepted_appeals_recent ON accepted_appeals (accepted_at);

CREATE TABLE clusters (
    cluster_id     uuid        PRIMARY KEY,
    rule           text        NOT NULL,
    category       text        NOT NULL,
    district       text        NOT NULL,
    opened_at      timestamptz NOT NULL,
    last_member_at timestamptz NOT NULL,
    rules_version  text        NOT NULL
);
CREATE TABLE cluster_members (
    cluster_id uuid NOT NULL REFERENCES clusters,
    appeal_id  uuid NOT NULL,
    PRIMARY KEY (cluster_id, appeal_id)
);
CREATE INDEX cluster_members_appeal ON cluster_members (appeal_id);
