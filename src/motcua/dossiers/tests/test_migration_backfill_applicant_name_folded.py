from __future__ import annotations

import importlib

import time_machine
from django.apps import apps

from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.conftest import MONDAY, World, received

backfill = importlib.import_module("motcua.dossiers.migrations.0004_backfill_applicant_name_folded").backfill


def test_the_backfill_folds_the_names_of_existing_dossiers(world: World) -> None:
    with time_machine.travel(MONDAY):
        dossier = received(world, name="Đặng Thị Ánh")
    Dossier.objects.filter(pk=dossier.pk).update(applicant_name_folded="")
    backfill(apps, None)
    assert Dossier.objects.get(pk=dossier.pk).applicant_name_folded == "dang thi anh"
