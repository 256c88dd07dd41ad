"""A new fact table for the replay, loaded beside the old one and swapped in at the end.

Clearing the old table with DELETE left as many dead rows as it had live ones (every later
replay and read paid for them until VACUUM), and readers would wait for the replay on a
TRUNCATE. So the replay loads an empty table made `LIKE` the fact table (columns, defaults,
constraints: the migrations stay the only place it is defined), indexes it once loaded as the
fact table is indexed (`pg_get_indexdef`), then drops the old one and gives the new one its
name and its indexes theirs. Readers read the old facts until the swap; everything is in the
replay's transaction, so a failed replay leaves no trace.

Indexing after the load: 300,000 facts into the indexed table cost PostgreSQL 1.5 s (every row
into four B-trees, the primary key's in random order), into a bare table 0.3 s, and the four
indexes built from the loaded rows 0.4 s (one sort each).

The statements of the swap are worked out when the table is created and sent in one round
trip: the replay is judging meanwhile and answers each round trip only between two slices of
judging (it took a second over eight statements).

The new table belongs to the role running the replay, the service's own (privileges granted
on the old table by hand would not carry over; the migrations grant none).
"""

import re

import asyncpg

TABLE = "appeal_facts"
REPLACEMENT = "appeal_facts_replayed"

_CREATE = f"CREATE TABLE {REPLACEMENT} (LIKE {TABLE} INCLUDING ALL EXCLUDING INDEXES)"
# The fact table's indexes; the one backing a constraint (the primary key) is added as that
# constraint, so it is one again.
_INDEXES = """
SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition,
       c.conname AS constraint_name, pg_get_constraintdef(c.oid) AS constraint_definition
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
WHERE x.indrelid = $1::regclass
ORDER BY i.relname
"""
# pg_get_indexdef's fixed form: "CREATE [UNIQUE] INDEX name ON schema.table USING ..."
_FORM = re.compile(r"^CREATE (UNIQUE )?INDEX \S+ ON \S+ (USING .*)$", re.DOTALL)
# Sequences the old table's columns own (`seq bigserial`): the new table's default draws from
# them too (LIKE copies the default), so they pass to it before the old table goes.
_OWNED_SEQUENCES = """
SELECT s.oid::regclass::text AS sequence, a.attname AS column_name
FROM pg_depend d
JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE d.refobjid = $1::regclass AND d.deptype = 'a'
"""


async def create_replacement(conn: asyncpg.Connection) -> str:
    """An empty table shaped like the fact table, without indexes yet; return the statements
    that index it, drop the old table and put it in its place (`swap_in`)."""
    await conn.execute(_CREATE)
    indexing, renaming = [], []
    for n, index in enumerate(await conn.fetch(_INDEXES, TABLE)):
        temporary = f"{REPLACEMENT}_{n}"
        if index["constraint_name"] is not None:
            indexing.append(f"ALTER TABLE {REPLACEMENT} ADD CONSTRAINT {temporary} {index['constraint_definition']}")
            renaming.append(f"ALTER TABLE {TABLE} RENAME CONSTRAINT {temporary} TO {index['constraint_name']}")
        else:
            form = _FORM.match(index["definition"])
            if form is None:
                raise RuntimeError(f"unexpected index definition: {index['definition']}")
            indexing.append(f"CREATE {form[1] or ''}INDEX {temporary} ON {REPLACEMENT} {form[2]}")
            renaming.append(f"ALTER INDEX {temporary} RENAME TO {index['name']}")
    owning = [f"ALTER SEQUENCE {r['sequence']} OWNED BY {REPLACEMENT}.{r['column_name']}"
              for r in await conn.fetch(_OWNED_SEQUENCES, TABLE)]
    return ";\n".join([*indexing, *owning, f"DROP TABLE {TABLE}", f"ALTER TABLE {REPLACEMENT} RENAME TO {TABLE}",
                       *renaming])


async def swap_in(conn: asyncpg.Connection, statements: str) -> None:
    """Index the loaded replacement and put it in the fact table's place, in one round trip."""
    await conn.execute(statements)
