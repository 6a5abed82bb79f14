"""Files for the upload and storage tests: valid ones built here (PDF by hand, images with Pillow,
which WeasyPrint brings), and the bad ones the rules must refuse (truncated, encrypted, executables
and archives under a forged name). Also the temporary document storage every such test uses."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

from PIL import Image
from pytest_django import Settings

STORAGE_BACKEND = "motcua.documents.storage.DocumentFileSystemStorage"


def use_tmp_storage(settings: Settings, tmp_path: Path) -> Path:
    """Point the "documents" storage at a fresh directory under `tmp_path`; return it."""
    root = tmp_path / "documents"
    settings.STORAGES = {**settings.STORAGES, "documents": {"BACKEND": STORAGE_BACKEND, "OPTIONS": {"location": root}}}
    return root


def files_in(root: Path) -> list[Path]:
    """Every file under `root` (none if it does not exist yet)."""
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# -- valid files ------------------------------------------------------------------------------------------


def pdf_bytes(text: str = "Giay khai sinh", pages: int = 1) -> bytes:
    """A small, well-formed PDF: catalog, page tree, a Flate-compressed content stream per page."""
    bodies: list[bytes] = [b"", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids: list[int] = []
    for page in range(pages):
        stream = zlib.compress(f"BT /F1 24 Tf 72 720 Td ({text} {page + 1}) Tj ET".encode("latin-1"))
        bodies.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content_number = len(bodies)
        bodies.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % content_number
        )
        kids.append(len(bodies))
    bodies[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    bodies[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)
    return bytes(out)


def _image(fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    picture = Image.new("RGB", (48, 32), (200, 30, 30))
    for x in range(48):
        picture.putpixel((x, x % 32), (x * 5, 100, 255 - x * 5))
    picture.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    return _image("JPEG", quality=80)


def png_bytes() -> bytes:
    return _image("PNG")


def tiff_bytes() -> bytes:
    return _image("TIFF")


def webp_bytes() -> bytes:
    return _image("WEBP")


def gif_bytes() -> bytes:
    return _image("GIF")


# -- bad files ----------------------------------------------------------------------------------------------


def encrypted_pdf_bytes(user_password: str = "") -> bytes:
    """The same PDF, encrypted (an empty user password opens it without asking, still encrypted)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(pdf_bytes())))
    writer.encrypt("owner-secret", user_password)  # type: ignore[no-untyped-call]
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def pdf_with_damaged_stream() -> bytes:
    """Header, objects, cross-reference table and trailer intact; the compressed page content damaged."""
    data = bytearray(pdf_bytes())
    start = data.index(b"stream\n") + len(b"stream\n") + 4
    data[start : start + 6] = b"\x00\xff\x00\xff\x00\xff"
    return bytes(data)


def elf_bytes() -> bytes:
    """The start of a 64-bit Linux executable."""
    return b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200


def pe_bytes() -> bytes:
    """The start of a Windows executable (DOS stub)."""
    return (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"
        + b"\x00" * 50
        + b"This program cannot be run in DOS mode."
        + b"\x00" * 100
    )


def zip_bytes(names: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in (names or {"readme.txt": b"hello"}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
