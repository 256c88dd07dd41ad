-- Delivery tables every service has in its own schema.

-- Events written in the same transaction as the state change they describe; the relay
-- publishes them to Kafka and deletes them. Order of `id` is the publish order.
CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    event_id    uuid        NOT NULL UNIQUE,
    topic       text        NOT NULL,
    key         bytea       NOT NULL,
    headers     jsonb       NOT NULL,
    body        bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Ids of upstream events already applied, written in the same transaction as their effect,
-- so a redelivered event is recognised and skipped.
CREATE TABLE inbox (
    event_id     uuid        PRIMARY KEY,
    event_type   text        NOT NULL,
    handled_at   timestamptz NOT NULL DEFAULT now()
);
