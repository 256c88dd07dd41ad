-- Routing deepened: the letter's full life (sign, return, re-dispatch, reply, close, reopen),
-- the units' actions applied once, deadlines for the unit inbox, and the directory and
-- dispatch catalogue as versioned data in routing's own tables.

ALTER TABLE transfers DROP CONSTRAINT transfers_state_check;
ALTER TABLE transfers ADD CONSTRAINT transfers_state_check CHECK (state IN (
    'awaiting_operator', 'dispatched', 'signed', 'returned', 'escalated', 'replied', 'closed'));
ALTER TABLE transfers
    ADD COLUMN unit_name          text,
    ADD COLUMN description        text,
    ADD COLUMN contact            jsonb,       -- shown only to the unit that holds the appeal
    ADD COLUMN unit_trail         text[]      NOT NULL DEFAULT '{}',  -- lead unit of each letter
    ADD COLUMN returned_by        text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN redispatches       int         NOT NULL DEFAULT 0,
    ADD COLUMN reopened           int         NOT NULL DEFAULT 0,
    ADD COLUMN waiting_reason     text,        -- why it is in the operators' queue
    ADD COLUMN signed_at          timestamptz,
    ADD COLUMN replied_at         timestamptz,
    ADD COLUMN reply              text,
    ADD COLUMN outcome            text CHECK (outcome IN ('solved', 'explained')),
    ADD COLUMN closed_at          timestamptz,
    ADD COLUMN directory_version  int,
    ADD COLUMN updated_at         timestamptz NOT NULL DEFAULT now();

-- Skeleton rows: their first letter is their trail.
UPDATE transfers SET unit_trail = ARRAY[unit_code] WHERE unit_code IS NOT NULL;

CREATE INDEX transfers_by_co_unit ON transfers USING gin (co_unit_codes);
CREATE INDEX transfers_by_state ON transfers (state, updated_at);

-- Every letter sent for an appeal: the transfer history an operator reviews.
CREATE TABLE letters (
    appeal_id        uuid        NOT NULL,
    attempt          int         NOT NULL,
    unit_code        text        NOT NULL,
    co_unit_codes    text[]      NOT NULL DEFAULT '{}',
    rule_id          text        NOT NULL,
    reason           text,
    sent_by          text        NOT NULL,       -- 'catalogue' or the operator's subject
    sent_at          timestamptz NOT NULL,
    signed_at        timestamptz,
    returned_at      timestamptz,
    return_reason    text,
    PRIMARY KEY (appeal_id, attempt)
);

-- Units' actions that were applied, so the same action_id delivered again applies once.
CREATE TABLE unit_actions (
    unit_code   text        NOT NULL,
    action_id   text        NOT NULL,
    appeal_id   uuid        NOT NULL,
    action      text        NOT NULL,
    applied_at  timestamptz NOT NULL,
    PRIMARY KEY (unit_code, action_id)
);

CREATE TABLE co_handler_replies (
    appeal_id   uuid        NOT NULL,
    unit_code   text        NOT NULL,
    reply       text        NOT NULL,
    replied_at  timestamptz NOT NULL
);
CREATE INDEX co_handler_replies_by_appeal ON co_handler_replies (appeal_id);

CREATE TABLE extension_requests (
    appeal_id     uuid        NOT NULL,
    unit_code     text        NOT NULL,
    working_days  int         NOT NULL,
    reason        text        NOT NULL,
    requested_at  timestamptz NOT NULL,
    decided       boolean     NOT NULL DEFAULT false,
    approved      boolean
);
CREATE INDEX extension_requests_by_appeal ON extension_requests (appeal_id);

-- The SLA service's view of each appeal's deadline, for the unit inbox.
CREATE TABLE deadlines (
    appeal_id     uuid PRIMARY KEY,
    unit_code     text        NOT NULL,
    due_at        timestamptz NOT NULL,
    working_days  int         NOT NULL,
    provisional   boolean     NOT NULL,
    stopped_at    timestamptz,
    met           boolean
);

-- The unit directory and dispatch catalogue. Edits bump directory_versions; a letter
-- records the version it was decided under, and old letters are never re-decided.
CREATE TABLE directory_versions (
    version     int PRIMARY KEY,
    label       text        NOT NULL,
    changed_by  text        NOT NULL,
    reason      text        NOT NULL,
    change      jsonb       NOT NULL DEFAULT '{}',
    changed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE directory_units (
    code        text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_-]{1,31}$'),
    name_zh     text        NOT NULL,
    name_en     text        NOT NULL,
    level       int         NOT NULL CHECK (level IN (1, 2)),
    unit_group  text        NOT NULL,
    district    text,
    categories  text[]      NOT NULL DEFAULT '{}',
    districts   text[]      NOT NULL DEFAULT '{}',
    since_version int       NOT NULL
);

CREATE TABLE catalogue_rules (
    id           text PRIMARY KEY,
    position     int         NOT NULL,
    appeal_type  text,
    categories   text[]      NOT NULL DEFAULT '{}',
    district     text,
    keywords     text[]      NOT NULL DEFAULT '{}',
    lead         text        NOT NULL REFERENCES directory_units (code),
    co           text[]      NOT NULL DEFAULT '{}',
    since_version int        NOT NULL
);
