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

-- The default version gains the two findings, each a share of decided letters. An order counts
-- only on a letter not escalated to level 2 or 3, so escalation and orders together take at most
-- 20 points, and every finding on every letter at most 45: a unit keeps more than half its base.
INSERT INTO weights_versions (id, version, weights, deductions, note, created_by, basis)
SELECT id, 'v' || id,
    '{"response": 20, "on_time": 20, "resolution": 30, "satisfaction": 30}'::jsonb,
    '{"escalation_level_2": 10, "escalation_level_3": 20, "supervision_order": 10, "reopened": 10, "return_call": 5, "co_handling_missed": 10}'::jsonb,
    'v2 plus return calls and supervision orders (services/assessment/README.md "Score")',
    'migration', 'rate'
FROM (SELECT nextval(pg_get_serial_sequence('weights_versions', 'id')) AS id) next;
