"""Discovery of numbered .sql migrations (shared/migrations.py)."""

import hashlib

import pytest

from shared.migrations import SHARED_MIGRATIONS, MigrationError, discover


def write(folder, *names: str) -> None:
    for name in names:
        (folder / name).write_text(f"-- {name}\nSELECT 1;\n", encoding="utf-8")


def test_files_are_returned_in_number_order(tmp_path):
    write(tmp_path, "010_indexes.sql", "002_tables.sql", "001_schema.sql")
    found = discover("intake", tmp_path)
    assert [m.version for m in found] == [1, 2, 10]
    assert [m.name for m in found] == ["001_schema.sql", "002_tables.sql", "010_indexes.sql"]
    assert {m.source for m in found} == {"intake"}
    assert found[0].sql == "-- 001_schema.sql\nSELECT 1;\n"
    assert found[0].checksum == hashlib.sha256(found[0].sql.encode()).hexdigest()


def test_checksum_changes_when_a_file_is_edited(tmp_path):
    write(tmp_path, "001_schema.sql")
    before = discover("sla", tmp_path)[0].checksum
    (tmp_path / "001_schema.sql").write_text("SELECT 2;\n", encoding="utf-8")
    assert discover("sla", tmp_path)[0].checksum != before


def test_other_files_are_ignored_and_an_empty_folder_is_fine(tmp_path):
    assert discover("x", tmp_path) == []
    (tmp_path / "README.md").write_text("notes", encoding="utf-8")
    write(tmp_path, "001_schema.sql")
    assert [m.name for m in discover("x", tmp_path)] == ["001_schema.sql"]


@pytest.mark.parametrize(
    "bad",
    ["1_schema.sql", "0001_schema.sql", "001-schema.sql", "001_Schema.sql", "001_.sql", "schema.sql", "001_my schema.sql"],
)
def test_badly_named_file_is_refused(tmp_path, bad):
    write(tmp_path, "001_ok.sql", bad)
    with pytest.raises(MigrationError, match=r"NNN_words\.sql"):
        discover("x", tmp_path)


def test_two_files_with_the_same_number_are_refused(tmp_path):
    write(tmp_path, "001_schema.sql", "002_tables.sql", "002_more_tables.sql")
    with pytest.raises(MigrationError, match="share a number"):
        discover("x", tmp_path)


def test_shipped_shared_migrations_are_well_formed():
    found = discover("shared", SHARED_MIGRATIONS)
    assert found and found[0].version == 1
    assert [m.version for m in found] == sorted({m.version for m in found})
