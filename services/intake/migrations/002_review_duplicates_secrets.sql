-- Review queue decisions, duplicate merging (并单), inquiry codes and the handling state
-- intake learns from routing's events.

ALTER TABLE appeals DROP CONSTRAINT appeals_status_check;
ALTER TABLE appeals ADD CONSTRAINT appeals_status_check
    CHECK (status IN ('accepted', 'rejected', 'pending_review', 'merged'));

ALTER TABLE appeals
    -- Canonical phone (digits only) so "the same petitioner" is one indexed comparison.
    ADD COLUMN petitioner_phone    text,
    ADD COLUMN business_line       boolean     NOT NULL DEFAULT false,
    -- argon2id over pepper + code; the code itself is never stored.
    ADD COLUMN inquiry_code_hash   text,
    ADD COLUMN decided_by          text,
    ADD COLUMN decided_at          timestamptz,
    -- The duplicate's side of a merge; the earlier appeal's side is appeal_merges.into_appeal_id.
    ADD COLUMN merged_into         uuid REFERENCES appeals (appeal_id),
    -- open until routing reports a reply or a close; open again on reopen. The time of the
    -- routing event that set it lets events arriving out of order not undo a newer state.
    ADD COLUMN handling            text        NOT NULL DEFAULT 'open'
        CHECK (handling IN ('open', 'replied', 'closed')),
    ADD COLUMN handling_changed_at timestamptz;

CREATE INDEX appeals_same_petitioner ON appeals (petitioner_phone, received_at)
    WHERE status = 'accepted';

CREATE TABLE appeal_merges (
    appeal_id      uuid PRIMARY KEY REFERENCES appeals (appeal_id),
    into_appeal_id uuid        NOT NULL REFERENCES appeals (appeal_id),
    similarity     real        NOT NULL,
    reason         text        NOT NULL,
    merged_at      timestamptz NOT NULL
);
CREATE INDEX appeal_merges_into ON appeal_merges (into_appeal_id);

-- Every operator action on an appeal: who, why, what changed.
CREATE TABLE appeal_decisions (
    decision_id bigserial   PRIMARY KEY,
    appeal_id   uuid        NOT NULL REFERENCES appeals (appeal_id),
    action      text        NOT NULL CHECK (action IN ('corrected', 'accepted', 'refused')),
    decided_by  text        NOT NULL,
    reason      text        NOT NULL,
    changes     jsonb       NOT NULL DEFAULT '{}',
    decided_at  timestamptz NOT NULL
);
CREATE INDEX appeal_decisions_appeal ON appeal_decisions (appeal_id, decided_at);
