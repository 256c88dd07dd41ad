-- Inbox retention (shared/inbox_retention.py) deletes the oldest rows by handled_at. Rows are
-- appended in handled_at order, so a BRIN index finds them at almost no cost to the consumers'
-- inserts, which a B-tree on every consumed event would add.
CREATE INDEX inbox_handled_at ON inbox USING brin (handled_at);
