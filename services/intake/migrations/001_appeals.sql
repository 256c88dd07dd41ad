-- Intake's record of every submission it decided on, with the petitioner's personal data,
-- which never leaves this schema.
CREATE TABLE appeals (
    appeal_id           uuid PRIMARY KEY,
    tracking_number     text        NOT NULL UNIQUE,
    channel             text        NOT NULL,
    channel_message_id  text        NOT NULL,
    status              text        NOT NULL CHECK (status IN ('accepted', 'rejected', 'pending_review')),
    appeal_type         text,
    subtype             text,
    category            text,
    district            text,
    description         text        NOT NULL,
    address             text,
    private             boolean     NOT NULL,
    petitioner          jsonb       NOT NULL,
    classification      jsonb,
    reason              text,
    refer_to            text,
    received_at         timestamptz NOT NULL,
    -- The channel's own message id is the idempotency key: one appeal per submission.
    UNIQUE (channel, channel_message_id)
);

CREATE INDEX appeals_pending_review ON appeals (received_at) WHERE status = 'pending_review';
