-- Letters whose outcome time alone will decide, counted per moment (24:00 of a working day:
-- a response window's end, a deadline): a read sums the moments that have passed, a few dozen
-- rows per unit and month however many letters (domain/verdicts.py `moments`). Replaces
-- counting the pending verdict rows one by one at every read.
CREATE TABLE pending_moments (
    period     text        NOT NULL,
    unit_code  text        NOT NULL,
    counter    text        NOT NULL,   -- response_lapsed, completion_lapsed, co_lapsed
    at         timestamptz NOT NULL,
    n          bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (period, unit_code, counter, at)
);

-- The moments of the verdict rows already stored, as domain/verdicts.py `moments` counts them.
INSERT INTO pending_moments (period, unit_code, counter, at, n)
SELECT period, unit_code, counter, at, count(*) FROM (
    SELECT period, unit_code, 'response_lapsed' AS counter, response_ends_at AS at FROM appeal_verdicts
    WHERE role = 'holder' AND signed_at IS NULL AND response_ends_at IS NOT NULL
    UNION ALL
    SELECT period, unit_code, 'completion_lapsed', due_at FROM appeal_verdicts
    WHERE role = 'holder' AND completed_on_time IS NULL AND due_at IS NOT NULL
    UNION ALL
    SELECT period, unit_code, 'co_lapsed', due_at FROM appeal_verdicts
    WHERE role = 'co_handler' AND pending AND due_at IS NOT NULL
) moments
GROUP BY period, unit_code, counter, at;

DROP INDEX appeal_verdicts_pending;
