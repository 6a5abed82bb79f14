"""The demo data set loaded by `make run`: who can sign in, and what there is to look at.

Demo accounts have published passwords, so loading them is refused unless DEBUG is on (or the
operator forces it knowingly, e.g. for a training server).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from motcua.catalog import services as catalog_services
from motcua.catalog.eform_services import EFormLoadSummary, eforms_load_packaged
from motcua.catalog.importing import ImportSummary, import_files
from motcua.core.errors import DomainError

DEMO_PROCEDURES = Path(__file__).resolve().parent / "data" / "portal-procedures.jsonl.gz"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    password: str
    role: str
    url: str


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("admin", "motcua-demo-2026", "operator (superuser): catalog, reference data, calendars", "/admin/"),
    DemoLogin("motcua", "motcua-demo-2026", "one-stop receiving officer, Phường Sài Gòn centre", "/can-bo/"),
    DemoLogin("chuyenvien", "motcua-demo-2026", "specialist, Công an phường Sài Gòn", "/can-bo/"),
    DemoLogin("truongdoi", "motcua-demo-2026", "unit leader, Công an phường Sài Gòn", "/can-bo/"),
    DemoLogin("lanhdao", "motcua-demo-2026", "agency leader, Công an phường Sài Gòn", "/can-bo/"),
    DemoLogin("vanthu", "motcua-demo-2026", "clerk, Công an phường Sài Gòn", "/can-bo/"),
    DemoLogin("traketqua", "motcua-demo-2026", "returning officer, Phường Sài Gòn centre", "/can-bo/"),
    DemoLogin("quantri", "motcua-demo-2026", "agency administrator, Công an phường Sài Gòn", "/admin/"),
)


class DemoRefused(DomainError):
    code = "demo_refused"


def demo_load(*, force: bool = False) -> list[DemoLogin]:
    """Create (or reset the passwords of) the demo accounts. Idempotent."""
    if not settings.DEBUG and not force:
        raise DemoRefused(_("Demo accounts have published passwords: set DEBUG=true or pass --force."))
    user_model = get_user_model()
    with transaction.atomic():
        for login in DEMO_LOGINS[:1]:  # the operator; officers are created with their agency below
            user, _created = user_model.objects.get_or_create(username=login.username)
            user.is_staff = True
            user.is_superuser = True
            user.set_password(login.password)
            user.save()
    return list(DEMO_LOGINS)


def demo_catalog_load() -> tuple[ImportSummary, catalog_services.FlowLoadSummary]:
    """The real procedures of three ministries, and the real flows of the demo procedures. Idempotent."""
    summary = import_files([DEMO_PROCEDURES], actor="load-demo", default_flows=True)
    flows = catalog_services.flows_load_reference(actor="load-demo")
    return summary, flows


def demo_eforms_load() -> EFormLoadSummary:
    """The packaged e-forms (birth registration, permanent residence) of the demo procedures. Idempotent."""
    return eforms_load_packaged(actor="load-demo")
