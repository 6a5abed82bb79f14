"""Upload rules (documents/uploads.py) through the service that stores files: every refusal gives
its code and a message naming the file, and stores nothing, neither a row nor a byte."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import SkipFile
from django.utils import translation
from pytest_django import Settings

from motcua.documents import uploads
from motcua.documents.models import StoredFile
from motcua.documents.services import stored_file_create, stored_file_create_generated
from motcua.documents.storage import storage_name_for
from motcua.documents.tests import samples
from motcua.documents.uploads import (
    SizeLimitUploadHandler,
    UploadRefused,
    UploadRules,
    clean_file_name,
    sniff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def storage_root(settings: Settings, tmp_path: Path) -> Path:
    return samples.use_tmp_storage(settings, tmp_path)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


RULES = UploadRules()


def refused(content: bytes | File[bytes], name: str, rules: UploadRules = RULES, **kwargs: Any) -> UploadRefused:
    with pytest.raises(UploadRefused) as caught:
        stored_file_create(content=content, name=name, rules=rules, **kwargs)
    return caught.value


def assert_nothing_stored(root: Path) -> None:
    assert StoredFile.objects.count() == 0
    assert samples.files_in(root) == []


# -- refusals ---------------------------------------------------------------------------------------------

REFUSALS: list[tuple[str, Callable[[], bytes], str, str, str]] = [
    # (case, content, name, code, words of the message)
    ("empty", lambda: b"", "to-khai.pdf", "file_empty", "is empty"),
    ("wrong type", samples.gif_bytes, "anh-the.gif", "file_type_not_allowed", "is a GIF image"),
    ("text", lambda: b"just some words\n", "ghi-chu.txt", "file_type_not_allowed", "no recognised type"),
    ("program", samples.pe_bytes, "setup.exe", "file_type_not_allowed", "is a Windows program"),
    ("ELF as .pdf", samples.elf_bytes, "giay-khai-sinh.pdf", "file_type_mismatch", "named as a PDF document"),
    ("PE as .pdf", samples.pe_bytes, "giay-khai-sinh.pdf", "file_type_mismatch", "its content is a Windows program"),
    ("zip as .pdf", samples.zip_bytes, "ho-so.pdf", "file_type_mismatch", "its content is a ZIP archive"),
    ("docx as .pdf", samples.docx_bytes, "to-khai.pdf", "file_type_mismatch", "its content is a Word document"),
    ("PDF as .jpg", samples.pdf_bytes, "anh.jpg", "file_type_mismatch", "named as a JPEG image"),
    ("PDF as .dat", samples.pdf_bytes, "scan.dat", "file_type_mismatch", "named as a “.dat” file"),
    ("text as .pdf", lambda: b"not a pdf at all", "to-khai.pdf", "file_type_mismatch", "no recognised type"),
    ("truncated PDF", lambda: samples.pdf_bytes()[:-40], "to-khai.pdf", "pdf_malformed", "damaged or incomplete"),
    ("half a PDF", lambda: samples.pdf_bytes(pages=3)[:600], "to-khai.pdf", "pdf_malformed", "not a readable PDF"),
    ("cut PDF, end marker re-added", lambda: samples.pdf_bytes()[:500] + b"\n%%EOF\n", "a.pdf", "pdf_malformed", ""),
    ("PDF header only", lambda: b"%PDF-1.7\n%%EOF\n", "to-khai.pdf", "pdf_malformed", ""),
    ("damaged PDF stream", samples.pdf_with_damaged_stream, "to-khai.pdf", "pdf_malformed", ""),
    ("encrypted PDF", samples.encrypted_pdf_bytes, "sao-ke.pdf", "pdf_encrypted", "protected by a password"),
    ("PDF with a password", lambda: samples.encrypted_pdf_bytes("1234"), "sao-ke.pdf", "pdf_encrypted", ""),
    ("truncated JPEG", lambda: samples.jpeg_bytes()[:-60], "cccd.jpg", "image_malformed", "not a complete image"),
    ("JPEG without its end", lambda: samples.jpeg_bytes()[:-2], "cccd.jpg", "image_malformed", "JPEG"),
    ("JPEG header only", lambda: samples.jpeg_bytes()[:20], "cccd.jpg", "image_malformed", ""),
    ("truncated PNG", lambda: samples.png_bytes()[:-30], "cccd.png", "image_malformed", "PNG"),
    ("PNG without IEND", lambda: samples.png_bytes()[:-12], "cccd.png", "image_malformed", ""),
    (
        "PNG with a damaged chunk",
        lambda: samples.png_bytes()[:60] + b"\x00\x00" + samples.png_bytes()[62:],
        "cccd.png",
        "image_malformed",
        "",
    ),
]


@pytest.mark.parametrize(
    ("content", "name", "code", "words"),
    [pytest.param(c, n, code, w, id=case) for case, c, n, code, w in REFUSALS],
)
def test_each_refusal_has_its_code_names_the_file_and_stores_nothing(
    storage_root: Path, content: Callable[[], bytes], name: str, code: str, words: str
) -> None:
    error = refused(content(), name)
    assert error.code == code
    assert error.status == 400 and error.field == "file"
    assert f"“{name}”" in str(error.message)
    assert words in str(error.message)
    assert_nothing_stored(storage_root)


def test_a_forged_extension_names_both_the_name_and_the_content(storage_root: Path) -> None:
    error = refused(samples.elf_bytes(), "Giấy khai sinh.pdf")
    assert str(error.message) == (
        "“Giấy khai sinh.pdf” is named as a PDF document, but its content is a Linux program. "
        "Upload the original file rather than a renamed one."
    )


def test_an_oversized_file_is_refused_at_the_limit(storage_root: Path) -> None:
    rules = UploadRules(max_bytes=1000)
    error = refused(samples.pdf_bytes(pages=4), "to-khai.pdf", rules)
    assert error.code == "file_too_large"
    assert str(error.message).startswith("“to-khai.pdf” is larger than the limit of 1000")
    assert_nothing_stored(storage_root)
    # Exactly at the limit is allowed.
    exact = samples.pdf_bytes()
    assert stored_file_create(content=exact, name="a.pdf", rules=UploadRules(max_bytes=len(exact))).size == len(exact)


class Endless(io.RawIOBase):
    """An upload that never ends: only what is read of it exists (zero bytes after a JPEG header)."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = (b"\xff\xd8\xff\xe0" if self.served == 0 else b"") + bytes(len(buffer))
        size = len(buffer)
        buffer[:size] = chunk[:size]
        self.served += size
        return size


def test_an_oversized_stream_is_cut_off_as_it_is_read_not_loaded_whole(storage_root: Path) -> None:
    source = Endless()
    upload = File(io.BufferedReader(source), name="scan.jpg")
    error = refused(upload, "scan.jpg")  # default limit, 20 MiB
    assert error.code == "file_too_large"
    limit = RULES.max_bytes
    # Reading stopped within a chunk or two of the limit (the stream would have gone on for ever).
    assert limit < source.served <= limit + 2 * uploads.CHUNK_SIZE + io.DEFAULT_BUFFER_SIZE
    assert_nothing_stored(storage_root)


def test_the_declared_content_type_must_match_the_content(storage_root: Path) -> None:
    upload = SimpleUploadedFile("cccd.png", samples.png_bytes(), content_type="application/pdf")
    error = refused(upload, "cccd.png")
    assert error.code == "file_type_mismatch"
    assert str(error.message) == (
        "“cccd.png” was sent as a PDF document (application/pdf), but its content is a PNG image."
    )
    unknown = refused(samples.png_bytes(), "cccd.png", declared_type="text/plain")
    assert "another type (text/plain)" in str(unknown.message)
    assert_nothing_stored(storage_root)


@pytest.mark.parametrize("declared", ["image/jpg", "image/pjpeg", "application/octet-stream", "", None])
def test_aliases_and_undeclared_types_are_accepted(declared: str | None) -> None:
    stored = stored_file_create(content=samples.jpeg_bytes(), name="cccd.jpg", declared_type=declared, rules=RULES)
    assert stored.content_type == "image/jpeg"


def test_a_type_outside_the_rules_is_refused_even_when_the_name_is_honest(storage_root: Path) -> None:
    only_pdf = UploadRules(allowed=frozenset({"pdf"}))
    error = refused(samples.png_bytes(), "cccd.png", only_pdf)
    assert error.code == "file_type_not_allowed"
    assert str(error.message) == "“cccd.png” is a PNG image, which is not accepted here. Accepted files: .pdf."
    assert refused(samples.tiff_bytes(), "scan.tif").code == "file_type_not_allowed"
    assert_nothing_stored(storage_root)


@pytest.mark.parametrize(
    ("content", "name", "key"),
    [(samples.tiff_bytes, "scan.tif", "tiff"), (samples.webp_bytes, "anh.webp", "webp")],
)
def test_truncated_tiff_and_webp_are_refused_where_allowed(
    storage_root: Path, content: Callable[[], bytes], name: str, key: str
) -> None:
    rules = UploadRules(allowed=frozenset({key}))
    error = refused(content()[:-40], name, rules)
    assert error.code == "image_malformed"
    assert_nothing_stored(storage_root)


# -- accepted files ---------------------------------------------------------------------------------------


def _pillow_pdf() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (60, 80), 255).save(buffer, format="PDF")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "mime", "rules"),
    [
        pytest.param(samples.pdf_bytes, "Tờ khai.pdf", "application/pdf", RULES, id="pdf"),
        pytest.param(_pillow_pdf, "scan.pdf", "application/pdf", RULES, id="pdf-written-by-pillow"),
        pytest.param(samples.jpeg_bytes, "CCCD mặt trước.JPG", "image/jpeg", RULES, id="jpeg"),
        pytest.param(samples.png_bytes, "anh.png", "image/png", RULES, id="png"),
        pytest.param(
            samples.tiff_bytes, "scan.tiff", "image/tiff", UploadRules(allowed=frozenset({"tiff"})), id="tiff"
        ),
        pytest.param(samples.webp_bytes, "anh.webp", "image/webp", UploadRules(allowed=frozenset({"webp"})), id="webp"),
        pytest.param(samples.pdf_bytes, "Giấy tờ số 1.2", "application/pdf", RULES, id="pdf-name-without-extension"),
    ],
)
def test_valid_files_are_stored_with_hash_size_and_sniffed_type(
    storage_root: Path, content: Callable[[], bytes], name: str, mime: str, rules: UploadRules
) -> None:
    import hashlib

    data = content()
    stored = stored_file_create(content=data, name=name, rules=rules, confidentiality="sensitive", retention="10y")
    stored.refresh_from_db()
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size == len(data)
    assert stored.content_type == mime
    assert stored.original_name == name
    assert (stored.confidentiality, stored.retention) == ("sensitive", "10y")
    assert stored.storage_name == storage_name_for(stored.sha256)
    assert (storage_root / stored.storage_name).read_bytes() == data
    assert samples.files_in(storage_root) == [storage_root / stored.storage_name]


def test_a_jpeg_with_data_after_its_end_is_accepted() -> None:
    # Some phones append a short video after the image ("motion photos").
    data = samples.jpeg_bytes() + b"\x00\x00\x00\x18ftypmp42" + bytes(100)
    assert stored_file_create(content=data, name="anh.jpg", rules=RULES).size == len(data)


def test_a_generated_pdf_is_stored_without_upload_rules(storage_root: Path) -> None:
    data = samples.pdf_bytes(pages=2)
    stored = stored_file_create_generated(content=data, name="Phiếu tiếp nhận.pdf", retention="permanent")
    assert (stored.content_type, stored.size, stored.retention) == ("application/pdf", len(data), "permanent")
    assert (storage_root / stored.storage_name).read_bytes() == data
    with pytest.raises(ValueError, match="generated documents are PDFs"):
        stored_file_create_generated(content=samples.png_bytes(), name="x.png")
    assert StoredFile.objects.count() == 1


# -- the pieces ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "key"),
    [
        (b"%PDF-1.4\n", "pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "png"),
        (b"II*\x00\x08\x00\x00\x00", "tiff"),
        (b"MM\x00*\x00\x00\x00\x08", "tiff"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "webp"),
        (b"GIF89a\x01\x00", "gif"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "heif"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00", "video"),
        (b"MZ\x90\x00", "windows_program"),
        (b"\x7fELF\x02\x01\x01", "linux_program"),
        (b"\xcf\xfa\xed\xfe\x07\x00", "macos_program"),
        (b"#!/bin/sh\n", "script"),
        (b"PK\x03\x04\x14\x00", "zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
        (b"Rar!\x1a\x07\x01\x00", "rar"),
        (b"7z\xbc\xaf\x27\x1c\x00", "7z"),
        (b"\x1f\x8b\x08\x00", "gzip"),
        (b"\xef\xbb\xbf  <!DOCTYPE html><html>", "html"),
        (b"<svg xmlns=", "xml"),
        (b"hello", None),
        (b"", None),
    ],
)
def test_sniffing_by_magic_bytes(head: bytes, key: str | None) -> None:
    kind = sniff(head)
    assert (kind.key if kind else None) == key


def test_file_names_are_cleaned() -> None:
    assert clean_file_name("C:\\Users\\an\\Giấy khai sinh.pdf") == "Giấy khai sinh.pdf"
    assert clean_file_name("../../etc/passwd") == "passwd"
    assert clean_file_name("a\x00b\u200e\tc.pdf") == "ab c.pdf"
    assert clean_file_name(unicodedata.normalize("NFD", "Nguyễn.pdf")) == unicodedata.normalize("NFC", "Nguyễn.pdf")
    assert clean_file_name("   ") == "document"
    long = clean_file_name("x" * 300 + ".pdf")
    assert len(long) == 255 and long.endswith("x.pdf")


def test_rules_take_only_types_with_a_structural_check(settings: Settings) -> None:
    with pytest.raises(ValueError, match="gif"):
        UploadRules(allowed=frozenset({"pdf", "gif"}))
    with pytest.raises(ValueError):
        UploadRules(max_bytes=0)
    settings.DOCUMENTS_ALLOWED_TYPES = ["pdf", "tiff"]
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 5000
    assert UploadRules.default() == UploadRules(allowed=frozenset({"pdf", "tiff"}), max_bytes=5000)


def test_the_upload_handler_drops_a_file_as_soon_as_it_passes_the_limit() -> None:
    handler = SizeLimitUploadHandler(None, max_bytes=100)
    handler.new_file("file", "../scan.pdf", "application/pdf", None)
    assert handler.receive_data_chunk(b"x" * 60, 0) == b"x" * 60
    assert handler.refusal() is None
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"x" * 60, 60)
    refusal = handler.refusal()
    assert refusal is not None and refusal.code == "file_too_large"
    assert "“scan.pdf”" in str(refusal.message)
