"""Test helpers for signatures: a development PKI on disk, PDFs to sign, and poppler's pdfsig.

pdfsig is the verifier that is not ours (issue #5 item 6). It exits 0 even for a broken signature,
so its verdict is read from its output; it trusts a root only through an NSS database (certutil).
Plain functions, so that the API and portal tests build the same fixtures.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer

from motcua.documents.pki import (
    DevKeyFiles,
    DevRoot,
    TsaKey,
    dev_root_ensure,
    dev_signing_certificate_issue,
    dev_tsa_ensure,
)

AGENCY_CODE = "267.40.00.X79"
AGENCY_NAME = "Ủy ban nhân dân phường Sài Gòn"

RESULT_HTML = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 2cm }
body { font-family: "Be Vietnam Pro", "DejaVu Sans", sans-serif; font-size: 12pt }
</style></head><body>
<p>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc</p>
<h1>GIẤY KHAI SINH</h1>
<p>Họ, chữ đệm, tên: Nguyễn Văn An</p>
<p>Ngày, tháng, năm sinh: 12/03/2026</p>
<p>Nơi đăng ký: Ủy ban nhân dân phường Sài Gòn, Thành phố Hồ Chí Minh</p>
</body></html>"""


@dataclass(frozen=True)
class DevPki:
    """The development CA of the tests, and a second, unrelated CA that nothing trusts."""

    directory: Path
    root: DevRoot
    tsa: TsaKey
    agency_key: DevKeyFiles
    stranger_root: DevRoot
    stranger_key: DevKeyFiles

    @property
    def root_pem(self) -> Path:
        return self.root.certificate_path


def dev_pki_build(directory: Path) -> DevPki:
    root, _created = dev_root_ensure(directory=directory / "pki")
    stranger_root, _created = dev_root_ensure(directory=directory / "stranger")
    return DevPki(
        directory=directory / "pki",
        root=root,
        tsa=dev_tsa_ensure(root=root),
        agency_key=dev_signing_certificate_issue(root=root, agency_code=AGENCY_CODE, agency_name=AGENCY_NAME),
        stranger_root=stranger_root,
        stranger_key=dev_signing_certificate_issue(
            root=stranger_root, agency_code="000.00.00.X00", agency_name="Cơ quan không rõ nguồn gốc"
        ),
    )


@cache
def result_pdf() -> bytes:
    """A one-page A4 result in Vietnamese, as the results will be rendered (weasyprint)."""
    import weasyprint  # type: ignore[import-untyped]

    pdf: bytes = weasyprint.HTML(string=RESULT_HTML).write_pdf()
    return pdf


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (scripts/system-packages test installs poppler-utils, libnss3-tools)")
    return path


def nss_db(directory: Path, *trusted: Path) -> Path:
    """An NSS database in `directory` trusting the given root certificates (PEM) for signatures."""
    certutil = need("certutil")
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run([certutil, "-N", "-d", f"sql:{directory}", "--empty-password"], check=True, capture_output=True)  # noqa: S603
    for number, pem in enumerate(trusted):
        subprocess.run(  # noqa: S603
            [certutil, "-A", "-d", f"sql:{directory}", "-n", f"root{number}", "-t", "CT,C,C", "-i", str(pem)],
            check=True,
            capture_output=True,
        )
    return directory


def pdfsig(pdf: bytes, directory: Path, nssdb: Path) -> str:
    """pdfsig's report on `pdf`, checked against the roots trusted in `nssdb`."""
    path = directory / "checked.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(  # noqa: S603
        [need("pdfsig"), "-nssdir", f"sql:{nssdb}", str(path)], capture_output=True, text=True, check=False
    )
    return result.stdout + result.stderr


def pdftotext(pdf: bytes, directory: Path) -> str:
    path = directory / "text.pdf"
    path.write_bytes(pdf)
    result = subprocess.run([need("pdftotext"), "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)  # noqa: S603
    return result.stdout.decode("utf-8")


def flip_byte_in_first_stream(pdf: bytes) -> bytes:
    """One byte of the first page content changed: inside the signed range, the file still parses."""
    at = pdf.index(b"stream\n") + len(b"stream\n") + 20
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]


def append_text_after_signing(pdf: bytes) -> bytes:
    """An incremental update after the signature that writes a line on the first page."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    stream = generic.StreamObject(stream_data=b"BT /F1 18 Tf 72 400 Td (SUA DOI) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(stream))  # type: ignore[no-untyped-call]
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def with_document_timestamp(pdf: bytes, tsa: TsaKey) -> bytes:
    """A document timestamp appended after the signatures, as PAdES B-LTA does."""
    from pyhanko.sign.signers import PdfTimeStamper

    from motcua.documents.tsa_standin import timestamper_of

    out = io.BytesIO()
    PdfTimeStamper(timestamper_of(tsa)).timestamp_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), "sha256", output=out)
    return out.getvalue()


def encrypted_copy(pdf: bytes, *, user_password: str) -> bytes:
    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(pdf)))
    writer.encrypt("owner-secret", user_password)  # type: ignore[no-untyped-call]
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def pem_of(root: DevRoot) -> bytes:
    return root.certificate.public_bytes(serialization.Encoding.PEM)
