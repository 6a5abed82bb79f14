"""The search index of motcua.catalog.search, different on each database (the state is unchanged).

PostgreSQL: the pg_trgm extension (trusted since PostgreSQL 13: a user allowed to CREATE in the
database may create it) and GIN trigram indexes on the folded columns, which serve
`LIKE '% word%'` and `%>>`. The columns are folded in Python, so `unaccent` is not needed.

SQLite: an FTS5 table with the trigram tokenizer (SQLite ≥ 3.34) over the same columns, rowid =
procedure id. Without FTS5 or the tokenizer nothing is created and search scans the table.
"""

import sqlite3

from django.db import migrations

PG_INDEXES = {
    "catalog_procedure_search_words_trgm": "search_words",
    "catalog_procedure_name_words_trgm": "name_words",
}
FTS_TABLE = "catalog_procedure_fts"


def _fts5_trigram_supported():
    # Django's SQLite backend uses this same sqlite3 module, hence the same library and options.
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()
    return True


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, column in PG_INDEXES.items():
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON catalog_procedure USING gin ({column} gin_trgm_ops)"
            )
    elif vendor == "sqlite" and _fts5_trigram_supported():
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(name_words, search_words, tokenize='trigram')"
        )


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # The extension stays: other objects of the database may use it by then.
        for name in PG_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_procedure_search_columns"),
    ]

    operations = [
        # Not django.contrib.postgres's TrigramExtension: its reverse queries pg_extension on any
        # database, so the migration could not be unapplied on SQLite.
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
