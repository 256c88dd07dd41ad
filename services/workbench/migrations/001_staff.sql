-- The workbench's own schema: staff accounts, their sessions, and the response templates
-- each unit keeps. Nothing about appeals is stored here: pages read the five services' APIs.
CREATE TABLE staff (
    username        text        PRIMARY KEY,
    display_name    text        NOT NULL,
    -- operator (call-taker), dispatcher, supervisor, unit (a unit's handler), admin
    role            text        NOT NULL CHECK (role IN ('operator', 'dispatcher', 'supervisor', 'unit', 'admin')),
    unit_code       text,
    password_hash   text        NOT NULL,  -- argon2id; the password itself is never stored
    disabled        boolean     NOT NULL DEFAULT false,
    failed_logins   int         NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL,
    CHECK ((role = 'unit') = (unit_code IS NOT NULL))
);

-- A session is known by the SHA-256 of its cookie; the cookie value itself is never stored.
CREATE TABLE sessions (
    token_hash  bytea       PRIMARY KEY,
    username    text        NOT NULL REFERENCES staff ON DELETE CASCADE,
    csrf_token  text        NOT NULL,  -- sent back in every form; useless without the cookie
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_username ON sessions (username);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Response templates a unit keeps for its replies (公开答复模板).
CREATE TABLE response_templates (
    template_id bigserial   PRIMARY KEY,
    unit_code   text        NOT NULL,
    title       text        NOT NULL,
    body        text        NOT NULL,
    outcome     text        NOT NULL CHECK (outcome IN ('solved', 'explained')),
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL,
    UNIQUE (unit_code, title)
);
