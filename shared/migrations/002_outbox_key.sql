-- A transaction that stores events asks whether an older unsent row has one of their keys
-- (appeal ids) before its events may be sent straight from memory (shared/outbox.py). With
-- Kafka away for a while the outbox holds every event since; this keeps that question an index
-- lookup instead of a scan of the backlog for every transaction.
CREATE INDEX outbox_key ON outbox (key);
