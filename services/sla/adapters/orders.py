"""SQL for supervision orders and a unit's notices (reminders, overdue, supervision, orders)."""

from datetime import datetime
from uuid import UUID

import asyncpg

_ORDER = ("order_id, appeal_id, unit_code, mode, instructions, issued_by, issued_at, answer, answered_by, "
          "answered_at, answer_action_id")


async def open_deadline(conn: asyncpg.Connection, appeal_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT appeal_id, unit_code, state, due_at FROM deadlines WHERE appeal_id = $1",
                               appeal_id)


async def insert_order(conn: asyncpg.Connection, order: dict) -> bool:
    """False when an order with this id exists (a resent form)."""
    status = await conn.execute(
        "INSERT INTO supervision_orders (order_id, appeal_id, unit_code, mode, instructions, issued_by, issued_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (order_id) DO NOTHING",
        order["order_id"], order["appeal_id"], order["unit_code"], order["mode"], order["instructions"],
        order["issued_by"], order["issued_at"])
    return status.endswith("1")


async def order(conn: asyncpg.Connection, order_id: UUID, *, lock: bool = False) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_ORDER} FROM supervision_orders WHERE order_id = $1"
                               + (" FOR UPDATE" if lock else ""), order_id)


async def record_answer(conn: asyncpg.Connection, order_id: UUID, answer: str, by: str, at: datetime,
                        action_id: str) -> None:
    await conn.execute("UPDATE supervision_orders SET answer = $2, answered_by = $3, answered_at = $4, "
                       "answer_action_id = $5 WHERE order_id = $1", order_id, answer, by, at, action_id)


async def orders(conn: asyncpg.Connection, *, unit_code: str | None, answered: bool | None, limit: int,
                 offset: int) -> list[dict]:
    rows = await conn.fetch(
        f"SELECT {_ORDER} FROM supervision_orders WHERE ($1::text IS NULL OR unit_code = $1) "
        "AND ($2::boolean IS NULL OR (answered_at IS NOT NULL) = $2) ORDER BY issued_at DESC LIMIT $3 OFFSET $4",
        unit_code, answered, limit, offset)
    return [{k: v for k, v in dict(r).items() if k != "answer_action_id"} for r in rows]


async def ladder_notices(conn: asyncpg.Connection, unit_code: str, appeal_id: UUID | None, limit: int) -> list[dict]:
    """Fired ladder steps of the current clock of the unit's open appeals, newest first."""
    rows = await conn.fetch(
        """SELECT f.appeal_id, f.epoch, f.step, f.fired_at, d.due_at
             FROM deadlines d JOIN ladder_fired f ON f.appeal_id = d.appeal_id AND f.epoch = d.epoch
            WHERE d.unit_code = $1 AND d.state <> 'stopped' AND d.state <> 'returned' AND ($2::uuid IS NULL OR d.appeal_id = $2)
            ORDER BY f.fired_at DESC LIMIT $3""", unit_code, appeal_id, limit)
    return [dict(r) for r in rows]


async def unit_orders(conn: asyncpg.Connection, unit_code: str, appeal_id: UUID | None, limit: int) -> list[dict]:
    """The unit's orders: unanswered ones first, then the latest answered."""
    rows = await conn.fetch(
        f"""SELECT {_ORDER} FROM supervision_orders WHERE unit_code = $1 AND ($2::uuid IS NULL OR appeal_id = $2)
            ORDER BY (answered_at IS NULL) DESC, issued_at DESC LIMIT $3""", unit_code, appeal_id, limit)
    return [dict(r) for r in rows]


async def clusters(conn: asyncpg.Connection, since: datetime, limit: int) -> list[dict]:
    """Concentrated-appeal clusters (problem groups that reached the rules' size), latest first."""
    rows = await conn.fetch(
        """SELECT group_id AS cluster_id, category, district, concentrated_at AS opened_at, last_member_at,
                  member_count AS members
             FROM problem_groups WHERE concentrated_at IS NOT NULL AND last_member_at >= $1
            ORDER BY last_member_at DESC LIMIT $2""", since, limit)
    return [dict(r) for r in rows]
