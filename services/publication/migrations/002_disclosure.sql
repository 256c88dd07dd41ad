-- Disclosure in depth: redacted texts, the whole timeline, evaluations, the inquiry code's hash,
-- the public feed with its cursor, inquiry rate-limit counters and Open311 keys and tokens.
-- Texts are redacted before they are written here; the petitioner's name is kept only as
-- keyed hashes (name_tags) so that a later reply can be redacted too.
ALTER TABLE public_appeals
    ADD COLUMN summary            text,
    ADD COLUMN reply              text,
    ADD COLUMN reply_outcome      text,
    ADD COLUMN replied_unit_code  text,
    ADD COLUMN name_tags          text[] NOT NULL DEFAULT '{}',
    ADD COLUMN inquiry_code_hash  text,
    ADD COLUMN classified_at      timestamptz,
    ADD COLUMN unit_at            timestamptz,
    ADD COLUMN deadline_event_at  timestamptz,
    ADD COLUMN deadline_met       boolean,
    ADD COLUMN signed_at          timestamptz,
    ADD COLUMN replied_at         timestamptz,
    ADD COLUMN evaluated_at       timestamptz,
    ADD COLUMN satisfaction       text,
    ADD COLUMN solved             boolean,
    ADD COLUMN closed_at          timestamptz,
    ADD COLUMN reopened_at        timestamptz,
    ADD COLUMN published_digest   text;

CREATE INDEX public_appeals_filters ON public_appeals (district, appeal_type, accepted_at DESC) WHERE private = false;

-- One row per lifecycle step; the primary key makes a redelivered event a no-op.
CREATE TABLE public_timeline (
    appeal_id  uuid NOT NULL,
    step       text NOT NULL,
    at         timestamptz NOT NULL,
    PRIMARY KEY (appeal_id, step, at)
);

-- The HTTP feed: one entry per published change. Writers take an advisory lock before
-- inserting, so sequence order is commit order and a reader never skips a late commit.
CREATE TABLE public_feed (
    seq              bigserial PRIMARY KEY,
    tracking_number  text NOT NULL,
    body             jsonb NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT now()
);

-- Publication's own record: one rating per reply (a reopened appeal replied again may be
-- rated again). Kept across a replay, which rebuilds only what the log holds.
CREATE TABLE evaluations (
    appeal_id     uuid NOT NULL,
    replied_at    timestamptz NOT NULL,
    satisfaction  text NOT NULL,
    solved        boolean NOT NULL,
    via           text NOT NULL,
    comment       text,
    recorded_by   text,
    evaluated_at  timestamptz NOT NULL,
    PRIMARY KEY (appeal_id, replied_at)
);

-- Fixed-window counters shared by every replica; bucket = 'number:<tracking number>' or
-- 'client:<keyed hash of the client address>'.
CREATE TABLE inquiry_attempts (
    bucket        text NOT NULL,
    window_start  timestamptz NOT NULL,
    attempts      int NOT NULL,
    PRIMARY KEY (bucket, window_start)
);

CREATE TABLE open311_api_keys (
    key_id       text PRIMARY KEY,
    key_hash     text NOT NULL UNIQUE,
    client_name  text NOT NULL,
    created_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);

CREATE TABLE open311_tokens (
    token               uuid PRIMARY KEY,
    channel_message_id  text NOT NULL UNIQUE,
    key_id              text NOT NULL,
    created_at          timestamptz NOT NULL,
    tracking_number     text
);

-- The derived public status (domain/lifecycle.py), kept so lists can filter on it.
ALTER TABLE public_appeals ADD COLUMN status text NOT NULL DEFAULT 'accepted';
