-- The anonymous web entrance: phone confirmations (one-time codes, kept only as keyed hashes)
-- and fixed-window counters for the limits per client address and per petitioner phone.

CREATE TABLE phone_confirmations (
    confirmation_id  uuid        PRIMARY KEY,
    -- HMAC of the canonical phone: the table needs to compare phones, not to hold them.
    phone_hash       text        NOT NULL,
    code_hash        text        NOT NULL,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    attempts         int         NOT NULL DEFAULT 0,
    used_at          timestamptz,
    used_for         text        -- the channel_message_id it confirmed (a retry replays)
);
CREATE INDEX phone_confirmations_expiry ON phone_confirmations (expires_at);

-- bucket = 'client:<keyed hash of the address>' or 'phone:<keyed hash of the phone>'.
CREATE TABLE web_attempts (
    bucket        text        NOT NULL,
    window_start  timestamptz NOT NULL,
    attempts      int         NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
