"""Fill the search columns and the SQLite FTS table for procedures that existed before search."""

import re
import unicodedata

from django.db import migrations

FTS_TABLE = "catalog_procedure_fts"
_D_MAP = str.maketrans({"đ": "d", "Đ": "D"})
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+")


# Copies of core.text.fold and catalog.search.words_column as they were when this was written, so
# that this migration keeps doing what it did; later rows are written by search_index_update.
def _fold(text):
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped.casefold()).strip()


def _words_column(text):
    found = _WORD.findall(_fold(text))
    return f" {' '.join(found)} " if found else ""


def backfill(apps, schema_editor):
    Procedure = apps.get_model("catalog", "Procedure")
    ProcedureVersion = apps.get_model("catalog", "ProcedureVersion")
    chosen = {}
    for version in ProcedureVersion.objects.order_by("procedure_id", "-number"):
        known = chosen.get(version.procedure_id)
        if known is None or (version.status == "published" and known.status != "published"):
            chosen[version.procedure_id] = version
    procedures = list(Procedure.objects.all())
    for procedure in procedures:
        version = chosen.get(procedure.pk)
        agencies = [version.implementing_agency, version.competent_agency] if version else []
        procedure.name_words = _words_column(procedure.name)
        procedure.search_words = _words_column(procedure.search_text)
        procedure.agency_words = _words_column(" ".join(dict.fromkeys(a for a in agencies if a)))
    Procedure.objects.bulk_update(procedures, ["name_words", "search_words", "agency_words"], batch_size=500)
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS_TABLE])
        if cursor.fetchone() is None:
            return
        cursor.execute("DELETE FROM catalog_procedure_fts")
        cursor.executemany(
            "INSERT INTO catalog_procedure_fts (rowid, name_words, search_words) VALUES (%s, %s, %s)",
            [(p.pk, p.name_words, p.search_words) for p in procedures],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_search_index"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
