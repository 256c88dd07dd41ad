-- The knowledge base and answers at intake (直接办结, issue 21): entries kept by the centre,
-- offers made to callers and petitioners, and the two statuses of an answered consultation.

-- Every version of every entry; the newest version of an entry is the one in force.
CREATE TABLE knowledge_entries (
    entry_id    uuid        NOT NULL,
    version     int         NOT NULL,
    questions   text[]      NOT NULL,
    answer      text        NOT NULL,
    label       text        NOT NULL,
    unit_code   text        NOT NULL,
    valid_from  date        NOT NULL,
    valid_to    date,
    retired     boolean     NOT NULL DEFAULT false,
    changed_by  text        NOT NULL,
    changed_at  timestamptz NOT NULL,
    PRIMARY KEY (entry_id, version)
);

-- The answer offered to one appeal, while the caller or petitioner says whether it solved it.
CREATE TABLE answer_offers (
    appeal_id     uuid        PRIMARY KEY REFERENCES appeals (appeal_id),
    entry_id      uuid        NOT NULL,
    entry_version int         NOT NULL,
    answer        text        NOT NULL,
    score         real        NOT NULL,
    offered_at    timestamptz NOT NULL,
    concluded     text CHECK (concluded IN ('answered', 'dispatched')),
    concluded_by  text,
    concluded_at  timestamptz
);
CREATE INDEX answer_offers_open ON answer_offers (offered_at) WHERE concluded IS NULL;

ALTER TABLE appeals DROP CONSTRAINT appeals_status_check;
ALTER TABLE appeals ADD CONSTRAINT appeals_status_check
    CHECK (status IN ('accepted', 'rejected', 'pending_review', 'merged', 'answer_offered', 'answered'));
