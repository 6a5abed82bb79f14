"""Fill Dossier.applicant_name_folded for dossiers received before the column existed."""

import re
import unicodedata

from django.db import migrations

# A copy of core.text.fold as it was when this was written, so that the migration never changes.
_D_MAP = str.maketrans({"đ": "d", "Đ": "D"})
_SPACES = re.compile(r"\s+")


def _fold(text):
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped.casefold()).strip()


def backfill(apps, schema_editor):
    Dossier = apps.get_model("dossiers", "Dossier")
    batch = []
    for dossier in Dossier.objects.only("pk", "applicant_name").iterator(chunk_size=2000):
        dossier.applicant_name_folded = _fold(dossier.applicant_name)
        batch.append(dossier)
        if len(batch) >= 2000:
            Dossier.objects.bulk_update(batch, ["applicant_name_folded"])
            batch = []
    if batch:
        Dossier.objects.bulk_update(batch, ["applicant_name_folded"])


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0003_applicant_name_folded")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
