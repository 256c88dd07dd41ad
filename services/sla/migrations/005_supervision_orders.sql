-- Supervision orders (督办单) a supervisor issues by hand, and the unit's answer to each.
CREATE TABLE supervision_orders (
    order_id         uuid        PRIMARY KEY,  -- derived from the supervisor's action id: a resend is the same order
    appeal_id        uuid        NOT NULL,
    unit_code        text        NOT NULL,
    mode             text        NOT NULL CHECK (mode IN ('online_tracking', 'scheduling_meeting', 'joint_meeting',
                                                          'leader_interview', 'municipal_report')),
    instructions     text        NOT NULL,
    issued_by        text        NOT NULL,
    issued_at        timestamptz NOT NULL,
    answer           text,
    answered_by      text,
    answered_at      timestamptz,
    answer_action_id text        -- the unit's action id: the same answer sent again applies once
);
CREATE INDEX supervision_orders_unit ON supervision_orders (unit_code, issued_at DESC);
CREATE INDEX supervision_orders_appeal ON supervision_orders (appeal_id);
-- A unit's notices are its open deadlines' fired ladder steps, newest first.
CREATE INDEX ladder_fired_time ON ladder_fired (fired_at DESC);
CREATE INDEX deadlines_unit_open ON deadlines (unit_code) WHERE state <> 'stopped';
