"""Reading PDFs back in tests with tools that are not ours (poppler-utils, zbar-tools)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (scripts/system-packages test installs it)")
    return path


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The text in reading order, runs of white space (line breaks included) folded to one space."""
    source = tmp_path / "doc.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(  # noqa: S603
        [need("pdftotext"), "-enc", "UTF-8", str(source), "-"], capture_output=True, check=True
    )
    return " ".join(result.stdout.decode("utf-8").split())


def pdf_fonts(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    source = tmp_path / "fonts.pdf"
    source.write_bytes(pdf)
    out = subprocess.run([need("pdffonts"), str(source)], capture_output=True, check=True, text=True).stdout  # noqa: S603
    return [line.split() for line in out.splitlines()[2:]]


def pdf_qr_codes(pdf: bytes, tmp_path: Path) -> list[str]:
    """The QR codes on the first page, decoded by zbarimg from a 200 dpi rendering."""
    source = tmp_path / "qr.pdf"
    source.write_bytes(pdf)
    subprocess.run(  # noqa: S603
        [need("pdftoppm"), "-r", "200", "-png", "-f", "1", "-l", "1", str(source), str(tmp_path / "page")], check=True
    )
    page = next(tmp_path.glob("page*.png"))
    result = subprocess.run([need("zbarimg"), "-q", "--raw", str(page)], capture_output=True, check=False)  # noqa: S603
    return [line for line in result.stdout.decode("utf-8").splitlines() if line]
