-- Return calls (差评二次回访) and supervision orders (督办单) as per-letter outcomes, and the
-- centre's own direct answers at intake (直接办结) counted per month (README "Definitions").
ALTER TABLE appeal_verdicts
    ADD COLUMN return_called       boolean NOT NULL DEFAULT false,  -- a return call was requested
    ADD COLUMN supervision_orders  int     NOT NULL DEFAULT 0,      -- orders issued to the holder
    ADD COLUMN orders_unanswered   int     NOT NULL DEFAULT 0;      -- of those, not answered yet

ALTER TABLE unit_month_totals
    ADD COLUMN return_called        bigint NOT NULL DEFAULT 0,
    ADD COLUMN supervision_ordered  bigint NOT NULL DEFAULT 0,
    ADD COLUMN ordered_unescalated  bigint NOT NULL DEFAULT 0,
    ADD COLUMN orders_unanswered    bigint NOT NULL DEFAULT 0;

-- The month's direct answers are counted from the facts: a few per day, found by this index.
CREATE INDEX appeal_facts_answered_at_intake ON appeal_facts (occurred_at) WHERE kind = 'answered_at_intake';

-- No rebuild needed: these event types were not consumed before, so no stored appeal has such
-- a fact and the defaults (false, 0) are its verdict. A replay brings in the old events.

-- The version in force gains the two findings, each a share of decided letters (on a fresh
-- database v2 becomes v3: escalation_level_2 10, escalation_level_3 20, supervision_order 10,
-- reopened 10, return_call 5, co_handling_missed 10). Built from the current version, so weights
-- an administrator set are kept; skipped if that version counts occurrences or the points
-- would pass 100. An order counts only on a letter not escalated to level 2 or 3, so escalation
-- and orders together take at most 20 points of v3, and every finding on every letter at most 45.
INSERT INTO weights_versions (id, version, weights, deductions, note, created_by, basis)
SELECT next.id, 'v' || next.id, cur.weights,
       '{"supervision_order": 10, "return_call": 5}'::jsonb || cur.deductions,
       'the version before plus supervision orders and return calls (services/assessment/README.md "Score")',
       'migration', 'rate'
FROM (SELECT weights, deductions, basis FROM weights_versions ORDER BY id DESC LIMIT 1) cur,
     LATERAL (SELECT nextval(pg_get_serial_sequence('weights_versions', 'id')) AS id) next
WHERE cur.basis = 'rate'
  AND (SELECT coalesce(sum(value::numeric), 0) FROM jsonb_each_text(cur.deductions)) + 15 <= 100;
