"""The migration runner against the real database: a database that applied a migration this code
does not know is refused with the way out; a retired one is undone on request."""

import uuid

import asyncpg
import pytest

from shared.migrations import MigrationError, migrate


@pytest.fixture
async def conn(settings):
    connection = await asyncpg.connect(settings.database_url)
    schema = "migr_" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:8])
    yield connection, schema
    await connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    await connection.close()


@pytest.fixture
def service_folder(tmp_path):
    (tmp_path / "001_things.sql").write_text("CREATE TABLE things (id int PRIMARY KEY);\n", encoding="utf-8")
    return tmp_path


async def applied(connection, schema: str) -> set[tuple[str, int]]:
    rows = await connection.fetch(f"SELECT source, version FROM {schema}.schema_migrations")
    return {(r["source"], r["version"]) for r in rows}


async def test_a_database_with_the_deleted_outbox_key_migration_is_refused_then_undone_on_request(conn, service_folder):
    connection, schema = conn
    await migrate(connection, schema, service_folder)
    # what a database migrated before 5f0f44b holds: the index and the record of its file
    await connection.execute(f"CREATE INDEX outbox_key ON {schema}.outbox (key)")
    await connection.execute(f"INSERT INTO {schema}.schema_migrations (source, version, name, checksum) "
                             "VALUES ('shared', 2, '002_outbox_key.sql', 'x')")
    with pytest.raises(MigrationError, match=r"002_outbox_key.sql: retired .*hotline migrate --undo-retired"):
        await migrate(connection, schema, service_folder)

    assert await migrate(connection, schema, service_folder, undo_retired=True) == [
        f"{schema}: shared/002_outbox_key.sql undone (retired)"]
    assert ("shared", 2) not in await applied(connection, schema)
    assert await connection.fetchval("SELECT to_regclass($1)", f"{schema}.outbox_key") is None
    assert await migrate(connection, schema, service_folder) == []  # accepted again


async def test_an_applied_migration_whose_file_is_gone_is_refused_with_how_to_fix_it(conn, service_folder):
    connection, schema = conn
    (service_folder / "002_more.sql").write_text("CREATE TABLE more_things (id int);\n", encoding="utf-8")
    await migrate(connection, schema, service_folder)
    (service_folder / "002_more.sql").unlink()
    for undo in (False, True):  # not retired: --undo-retired does not forget it either
        with pytest.raises(MigrationError) as refused:
            await migrate(connection, schema, service_folder, undo_retired=undo)
        message = str(refused.value)
        assert f"{schema} 002: unknown to this code" in message
        assert f"DELETE FROM {schema}.schema_migrations WHERE source = '{schema}' AND version = 2" in message
    assert (schema, 2) in await applied(connection, schema)
