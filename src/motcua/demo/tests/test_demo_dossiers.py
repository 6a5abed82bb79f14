from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pytest_django import Settings

from motcua.agencies.models import Agency, AgencyKind, AgencyLevel
from motcua.calendars import services as calendar_services
from motcua.calendars.selectors import calendar_cache_clear
from motcua.catalog.tests import factories
from motcua.demo.dossiers import CENTRE_CODE, STORIES, demo_dossiers_load
from motcua.documents.models import SigningKey
from motcua.documents.selectors import stored_file_read
from motcua.documents.tests import samples
from motcua.documents.verification import Verdict, pdf_verify
from motcua.dossiers import history
from motcua.dossiers.models import Dossier, ResultDocument
from motcua.dossiers.workflow import State

pytestmark = pytest.mark.django_db


def test_the_demo_has_dossiers_in_every_state_some_late_and_loads_once(settings: Settings, tmp_path: Path) -> None:
    settings.SIGNING_PKI_DIR = tmp_path / "pki"
    settings.SIGNATURE_TRUST_DEV_CA = True
    settings.SIGNATURE_TRUST_ROOTS = []
    settings.TSA_URL = ""
    samples.use_tmp_storage(settings, tmp_path)
    calendar_services.calendars_load_reference()
    calendar_cache_clear()
    channels = factories.content()["channels"]
    for channel in channels:
        channel["time_limit_value"] = "7"
    with time_machine.travel(datetime(2026, 9, 1, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))):
        factories.procedure("1.004222", "Đăng ký thường trú", channels=channels, same_day_cutoff=None)
    Agency.objects.create(
        code=CENTRE_CODE,
        name="Trung tâm Phục vụ hành chính công phường Sài Gòn",
        name_folded="trung tam",
        kind=AgencyKind.COMMUNE_SERVICE_CENTRE,
        level=AgencyLevel.COMMUNE,
    )
    with time_machine.travel(datetime(2026, 11, 26, 15, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))):
        assert demo_dossiers_load() == len(STORIES)
        assert demo_dossiers_load() == 0
        now = datetime(2026, 11, 26, 15, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
        states = set(Dossier.objects.values_list("state", flat=True))
        # Every state but the wait for a coordinating agency (interlinked procedures, roadmap item 6).
        assert states == {s.value for s in State} - {State.AWAITING_COORDINATION}
        assert set(Dossier.objects.values_list("status_code", flat=True)) == set(range(1, 11))
        assert Dossier.objects.filter(is_late=True).count() >= 2
        assert Dossier.objects.filter(closed_at__isnull=True, due_at__lt=now).exists()  # overdue
        # Every result, returned or not, was signed and issued with the police's key, once.
        issued = ResultDocument.objects.select_related("file", "signed_by")
        assert issued.count() == 3 and all(r.file is not None for r in issued)
        assert {r.signed_by.roles[0] for r in issued if r.signed_by} == {"agency_leader", "clerk"}
        for result in issued:
            assert result.file is not None
            assert pdf_verify(pdf=stored_file_read(stored=result.file)).verdict == Verdict.VALID
        assert SigningKey.objects.count() == 1
    assert all(history.verify(d) == [] for d in Dossier.objects.all())
