-- Intake's classifier: versioned models, versioned taxonomies, and the operators' review
-- decisions it learns from (issue 21).

-- Each trained model, newest by stored_at; the payload is numpy's .npz without pickle.
CREATE TABLE classifier_models (
    version      text PRIMARY KEY,
    trained_at   timestamptz NOT NULL,
    examples     int         NOT NULL,
    from_reviews int         NOT NULL,   -- how many of them were operators' decisions
    threshold    real        NOT NULL,
    figures      jsonb       NOT NULL DEFAULT '{}',
    sha256       text        NOT NULL,   -- of the payload: a damaged row is detected, not used
    payload      bytea       NOT NULL,
    stored_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX classifier_models_newest ON classifier_models (stored_at DESC);

-- The taxonomy as the centre's admins edited it; none: the shipped data/taxonomy.json.
CREATE TABLE taxonomy_versions (
    seq        bigserial   PRIMARY KEY,
    version    text        NOT NULL UNIQUE,
    document   jsonb       NOT NULL,
    changed_by text        NOT NULL,
    reason     text        NOT NULL,
    changed_at timestamptz NOT NULL
);

-- A classification an operator confirmed (acceptance from review, or a correction): one
-- example per appeal, the latest decision wins.
CREATE TABLE training_examples (
    appeal_id  uuid        PRIMARY KEY REFERENCES appeals (appeal_id),
    text       text        NOT NULL,
    label      text        NOT NULL,
    decided_by text        NOT NULL,
    decided_at timestamptz NOT NULL
);
