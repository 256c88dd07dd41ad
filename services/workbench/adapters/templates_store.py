"""SQL for the response templates a unit keeps (schema `workbench`)."""

from datetime import datetime

import asyncpg


async def of_unit(conn: asyncpg.Connection, unit_code: str) -> list[dict]:
    rows = await conn.fetch("SELECT template_id, title, body, outcome FROM response_templates "
                            "WHERE unit_code = $1 ORDER BY title", unit_code)
    return [dict(r) for r in rows]


async def one(conn: asyncpg.Connection, unit_code: str, template_id: int) -> dict | None:
    row = await conn.fetchrow("SELECT template_id, title, body, outcome FROM response_templates "
                              "WHERE unit_code = $1 AND template_id = $2", unit_code, template_id)
    return dict(row) if row else None


async def save(conn: asyncpg.Connection, unit_code: str, title: str, body: str, outcome: str, by: str,
               now: datetime) -> None:
    """Same title again replaces the text (a double-submitted form stores one template)."""
    await conn.execute(
        """INSERT INTO response_templates (unit_code, title, body, outcome, created_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (unit_code, title) DO UPDATE SET body = $3, outcome = $4""",
        unit_code, title, body, outcome, by, now)


async def remove(conn: asyncpg.Connection, unit_code: str, template_id: int) -> None:
    await conn.execute("DELETE FROM response_templates WHERE unit_code = $1 AND template_id = $2",
                       unit_code, template_id)
