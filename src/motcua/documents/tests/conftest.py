"""Fixtures of the signature tests: a development PKI made once per session, an agency with its
signing key registered through the real service, a signed result, and NSS databases for pdfsig."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation
from pytest_django import Settings

from motcua.agencies.models import Agency, AgencyKind, AgencyLevel
from motcua.documents.models import SigningKey
from motcua.documents.pki import signing_key_import
from motcua.documents.signing import pdf_sign
from motcua.documents.tests.signing_support import AGENCY_CODE, AGENCY_NAME, DevPki, dev_pki_build, nss_db, result_pdf


@pytest.fixture(scope="session")
def dev_pki(tmp_path_factory: pytest.TempPathFactory) -> DevPki:
    return dev_pki_build(tmp_path_factory.mktemp("signing"))


@pytest.fixture
def pki_settings(settings: Settings, dev_pki: DevPki) -> Settings:
    """The development CA trusted (as with DEBUG on), no other root, no timestamp authority."""
    settings.SIGNING_PKI_DIR = dev_pki.directory
    settings.SIGNATURE_TRUST_DEV_CA = True
    settings.SIGNATURE_TRUST_ROOTS = []
    settings.TSA_URL = ""
    return settings


@pytest.fixture
def signing_agency(db: None) -> Agency:
    return Agency.objects.create(
        code=AGENCY_CODE,
        name=AGENCY_NAME,
        name_folded="uy ban nhan dan phuong sai gon",
        kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE,
        level=AgencyLevel.COMMUNE,
    )


@pytest.fixture
def signing_key(signing_agency: Agency, dev_pki: DevPki, pki_settings: Settings) -> SigningKey:
    key, _created = signing_key_import(
        agency=signing_agency,
        pkcs12_path=dev_pki.agency_key.pkcs12_path,
        passphrase_source=dev_pki.agency_key.passphrase_source,
    )
    return key


@pytest.fixture
def signed_result(signing_key: SigningKey) -> bytes:
    return pdf_sign(
        pdf=result_pdf(),
        key=signing_key,
        signer_name="Phạm Quốc Dũng",
        signer_role="Chủ tịch",
        reason="Ký kết quả giải quyết thủ tục hành chính",
        location="Phường Sài Gòn, Thành phố Hồ Chí Minh",
    )


@pytest.fixture(scope="session")
def trusting_nssdb(tmp_path_factory: pytest.TempPathFactory, dev_pki: DevPki) -> Path:
    """An NSS database trusting the development root, as a verifier of our own signatures would."""
    return nss_db(tmp_path_factory.mktemp("nss-trusting"), dev_pki.root_pem)


@pytest.fixture(scope="session")
def empty_nssdb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return nss_db(tmp_path_factory.mktemp("nss-empty"))


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Pin the English source messages (Vietnamese is the default language)."""
    with translation.override("en"):
        yield
