"""A new fact table for the replay, built beside the old one and swapped in at the end.

Loading 300,000 facts into the indexed table cost PostgreSQL about 1.7 s (every row goes into
four B-trees in random order) after a DELETE that left as many dead rows behind; into a bare
table it costs 0.2 s, and building the same four indexes from the loaded rows afterwards
0.4 s (one sort each). Building beside the old table also leaves readers on the old facts
until the swap, and the old rows go with their table instead of waiting for VACUUM.

The new table is made `LIKE` the old one (columns, defaults, NOT NULL and CHECK constraints),
and its indexes from the old table's own definitions (`pg_get_indexdef`), so the migrations
stay the only place the table is defined. Everything runs in the replay's transaction: a
failed replay leaves no trace. The new table belongs to the role running the replay, the
service's own (privileges granted on the old table by hand would not carry over; none are).
"""

import re

import asyncpg

TABLE = "appeal_facts"
REPLACEMENT = "appeal_facts_replayed"

_CREATE = f"CREATE TABLE {REPLACEMENT} (LIKE {TABLE} INCLUDING ALL EXCLUDING INDEXES)"
# The old table's indexes: the constraint an index backs (the primary key) is added as a
# constraint, so it is one again; the others are created from their definitions.
_INDEXES = """
SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition,
       c.conname AS constraint_name, pg_get_constraintdef(c.oid) AS constraint_definition
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
WHERE x.indrelid = $1::regclass
ORDER BY i.relname
"""
# Sequences the old table's columns own (`seq bigserial`): the replacement's default draws from
# them too (LIKE copies the default), so they pass to the replacement before the old one goes.
_OWNED_SEQUENCES = """
SELECT s.oid::regclass::text AS sequence, a.attname AS column_name
FROM pg_depend d
JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE d.refobjid = $1::regclass AND d.deptype = 'a'
"""
# pg_get_indexdef's fixed form: "CREATE [UNIQUE] INDEX name ON schema.table USING ..."
_INDEX_HEAD = re.compile(r"^CREATE (UNIQUE )?INDEX \S+ ON \S+ (USING .*)$", re.DOTALL)


async def create_replacement(conn: asyncpg.Connection) -> None:
    """An empty table shaped like the fact table, without indexes yet."""
    await conn.execute(_CREATE)


async def swap_in_replacement(conn: asyncpg.Connection) -> None:
    """Index the replacement as the fact table is indexed, hand it the sequences the old table
    owns, drop the old table and give the replacement its name and its indexes their names. Then ANALYZE: the new table has no
    statistics, and the reads that come next are planned from them."""
    indexes = await conn.fetch(_INDEXES, TABLE)
    renames = []
    for n, index in enumerate(indexes):
        temporary = f"{REPLACEMENT}_{n}"
        if index["constraint_name"] is not None:
            await conn.execute(f"ALTER TABLE {REPLACEMENT} ADD CONSTRAINT {temporary} "
                               f"{index['constraint_definition']}")
            renames.append(f"ALTER TABLE {TABLE} RENAME CONSTRAINT {temporary} TO {index['constraint_name']}")
        else:
            head = _INDEX_HEAD.match(index["definition"])
            if head is None:
                raise RuntimeError(f"unexpected index definition: {index['definition']}")
            await conn.execute(f"CREATE {head[1] or ''}INDEX {temporary} ON {REPLACEMENT} {head[2]}")
            renames.append(f"ALTER INDEX {temporary} RENAME TO {index['name']}")
    for owned in await conn.fetch(_OWNED_SEQUENCES, TABLE):
        await conn.execute(f"ALTER SEQUENCE {owned['sequence']} OWNED BY {REPLACEMENT}.{owned['column_name']}")
    await conn.execute(f"DROP TABLE {TABLE}")
    await conn.execute(f"ALTER TABLE {REPLACEMENT} RENAME TO {TABLE}")
    for rename in renames:
        await conn.execute(rename)
    await conn.execute(f"ANALYZE {TABLE}")
