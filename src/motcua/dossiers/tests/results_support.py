"""Helpers of the result tests (dossiers, back office, API): a dossier whose result is ready, and the
agency's signing key from the development PKI of documents/tests/signing_support.py.

Plain functions, so that each test package builds the same fixtures. The PKI's agency certificate is
issued to the ward of the dossier tests' world (same code and name: Ủy ban nhân dân phường Sài Gòn).
"""

from __future__ import annotations

from pathlib import Path

from pytest_django import Settings

from motcua.agencies.models import Agency
from motcua.documents.models import SigningKey
from motcua.documents.pki import signing_key_import
from motcua.documents.tests import samples
from motcua.documents.tests.signing_support import DevPki
from motcua.dossiers import services
from motcua.dossiers.models import ResultDocument
from motcua.dossiers.tests.conftest import World, with_specialist

RESULT_NAME = "Giấy khai sinh (bản chính)"
RESULT_TYPE = "KQ.G15.000031"


def use_pki(settings: Settings, pki: DevPki, tmp_path: Path) -> Path:
    """The development CA trusted, no other root, no timestamp authority; documents stored under
    `tmp_path` (returned)."""
    settings.SIGNING_PKI_DIR = pki.directory
    settings.SIGNATURE_TRUST_DEV_CA = True
    settings.SIGNATURE_TRUST_ROOTS = []
    settings.TSA_URL = ""
    return samples.use_tmp_storage(settings, tmp_path)


def ward_key(agency: Agency, pki: DevPki) -> SigningKey:
    """The ward's signing key, registered through the real service."""
    key, _created = signing_key_import(
        agency=agency, pkcs12_path=pki.agency_key.pkcs12_path, passphrase_source=pki.agency_key.passphrase_source
    )
    return key


def result_ready(w: World, *, name: str = "Nguyễn Văn An", id_number: str = "079086012345") -> ResultDocument:
    """A dossier of the ward with its specialist, its result marked ready by the ward's leader."""
    dossier = with_specialist(w, name=name, id_number=id_number)
    (result,) = services.dossier_mark_result_ready(
        dossier=dossier, officer=w.leader, results=[{"name": RESULT_NAME, "result_type_code": RESULT_TYPE}]
    )
    return result
