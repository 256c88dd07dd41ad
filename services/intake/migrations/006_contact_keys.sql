-- Personal data that can be forgotten (issue 24, docs/personal-data.md).
-- A data key per appeal seals its contact for the Kafka log (AES-256-GCM); deleting the key
-- makes every copy on the log unreadable. Intake keeps the clear copy (appeals.petitioner,
-- address, petitioner_phone) for its own work until the same moment.
CREATE TABLE contact_keys (
    appeal_id  uuid        PRIMARY KEY REFERENCES appeals (appeal_id),
    data_key   bytea       NOT NULL CHECK (length(data_key) = 32),
    created_at timestamptz NOT NULL
);

ALTER TABLE appeals
    -- The unit holding the transfer letter, learnt from routing's dispatch events: the one
    -- unit that may read the contact (to call the petitioner back). The time orders events.
    ADD COLUMN lead_unit            text,
    ADD COLUMN lead_unit_at         timestamptz,
    -- Set when the petitioner's data was deleted; the appeal itself stays.
    ADD COLUMN contact_forgotten_at timestamptz;

-- The retention loop's search: finished appeals whose contact is still kept.
CREATE INDEX appeals_retention ON appeals (status, handling_changed_at)
    WHERE contact_forgotten_at IS NULL;

-- Who forgot what, when and why (the data itself is gone; the fact that it was deleted is kept).
CREATE TABLE contact_forgettings (
    appeal_id    uuid        PRIMARY KEY REFERENCES appeals (appeal_id),
    reason       text        NOT NULL CHECK (reason IN ('retention', 'request')),
    requested_by text        NOT NULL,
    note         text,
    forgotten_at timestamptz NOT NULL
);
