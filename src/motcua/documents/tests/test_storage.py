"""The storage layer (documents/storage.py), reading back (documents/selectors.py) and
`motcua documents-check`: content-addressed, atomic, durable before the row, never overwritten by
other bytes, verified against the SHA-256 on demand."""

from __future__ import annotations

import hashlib
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from django.utils import translation
from pytest_django import Settings

from motcua.documents import selectors
from motcua.documents.models import StoredFile
from motcua.documents.services import stored_file_create
from motcua.documents.storage import blob_put, document_storage, storage_name_for
from motcua.documents.tests import samples
from motcua.documents.uploads import UploadRules

pytestmark = pytest.mark.django_db

RULES = UploadRules()


@pytest.fixture(autouse=True)
def storage_root(settings: Settings, tmp_path: Path) -> Path:
    return samples.use_tmp_storage(settings, tmp_path)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def store(data: bytes, name: str = "to-khai.pdf") -> StoredFile:
    return stored_file_create(content=data, name=name, rules=RULES)


def flip_a_byte(path: Path, offset: int = 10) -> None:
    """Tamper with a stored file without changing its size."""
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def check(*args: str) -> str:
    out = io.StringIO()
    call_command("documents-check", *args, stdout=out)
    return out.getvalue()


def test_names_are_the_sha256_split_in_two_directory_levels() -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    assert storage_name_for(digest) == f"{digest[:2]}/{digest[2:4]}/{digest}"
    for bad in ("", "ABC", digest.upper(), digest[:-1], "../" + digest[3:]):
        with pytest.raises(ValueError):
            storage_name_for(bad)


def test_files_are_private_and_have_no_public_url(storage_root: Path) -> None:
    stored = store(samples.pdf_bytes())
    path = storage_root / stored.storage_name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(storage_root.stat().st_mode) == 0o700
    with pytest.raises(ValueError, match="no public URL"):
        document_storage().url(stored.storage_name)


def test_the_same_bytes_twice_share_storage_but_get_separate_rows(storage_root: Path) -> None:
    data = samples.pdf_bytes()
    first = store(data, "ban-chinh.pdf")
    second = stored_file_create(content=data, name="ban-sao.pdf", rules=RULES, confidentiality="sensitive")
    assert first.pk != second.pk and first.uuid != second.uuid
    assert first.storage_name == second.storage_name
    assert (first.original_name, second.original_name) == ("ban-chinh.pdf", "ban-sao.pdf")
    assert second.confidentiality == "sensitive"
    assert samples.files_in(storage_root) == [storage_root / first.storage_name]


def test_a_new_version_never_overwrites_the_old_bytes(storage_root: Path) -> None:
    old = store(samples.pdf_bytes("Ban nhap"))
    new = store(samples.pdf_bytes("Ban chinh thuc"))
    assert old.storage_name != new.storage_name
    assert selectors.stored_file_read(stored=old) == samples.pdf_bytes("Ban nhap")
    assert len(samples.files_in(storage_root)) == 2


def test_intact_bytes_already_stored_are_reused_without_writing(storage_root: Path) -> None:
    stored = store(samples.pdf_bytes())
    path = storage_root / stored.storage_name
    before = path.stat().st_ino
    store(samples.pdf_bytes())
    assert path.stat().st_ino == before  # not replaced


def test_damaged_bytes_under_the_name_are_rewritten_from_an_upload_of_the_same_bytes(storage_root: Path) -> None:
    data = samples.pdf_bytes()
    stored = store(data)
    path = storage_root / stored.storage_name
    path.write_bytes(b"tampered")
    assert selectors.stored_file_verify(stored=stored) is selectors.Integrity.DAMAGED
    store(data)
    assert path.read_bytes() == data
    assert selectors.stored_file_verify(stored=stored) is selectors.Integrity.INTACT


class FailingFile(io.BytesIO):
    """Gives its first 64 KiB, then fails like a disk or a network would."""

    def read(self, size: int | None = -1, /) -> bytes:
        if self.tell() >= 64 * 1024:
            raise OSError("device failed")
        return super().read(size)


def test_a_write_that_fails_half_way_leaves_neither_a_partial_file_nor_a_temporary_one(storage_root: Path) -> None:
    data = os.urandom(200 * 1024)
    digest = hashlib.sha256(data).hexdigest()
    with pytest.raises(OSError, match="device failed"):
        blob_put(content=FailingFile(data), sha256=digest, size=len(data))
    assert samples.files_in(storage_root) == []


def test_the_bytes_are_durable_before_the_row_and_an_orphan_is_harmless(storage_root: Path) -> None:
    data = samples.pdf_bytes()
    with (
        mock.patch.object(StoredFile.objects, "create", side_effect=DatabaseError("connection lost")),
        pytest.raises(DatabaseError),
    ):
        store(data)
    assert StoredFile.objects.count() == 0
    name = storage_name_for(hashlib.sha256(data).hexdigest())
    assert (storage_root / name).read_bytes() == data  # written before the row was attempted
    report = selectors.storage_check()
    assert report.orphans == [name] and report.problems == []
    assert f"orphan: {name}" in check()  # reported, not a failure
    # The next upload of the same bytes uses them.
    stored = store(data)
    assert stored.storage_name == name
    assert selectors.storage_check().orphans == []


def test_reading_verifies_the_sha256(storage_root: Path) -> None:
    data = samples.pdf_bytes()
    stored = store(data)
    assert selectors.stored_file_read(stored=stored) == data
    with selectors.stored_file_open(stored=stored) as opened:
        assert opened.read() == data

    path = storage_root / stored.storage_name
    flip_a_byte(path)
    with pytest.raises(selectors.StoredFileCorrupted) as corrupted:
        selectors.stored_file_read(stored=stored)
    assert corrupted.value.code == "file_corrupted" and corrupted.value.status == 500
    assert "“to-khai.pdf”" in str(corrupted.value.message)
    with pytest.raises(selectors.StoredFileCorrupted):
        selectors.stored_file_open(stored=stored)

    path.unlink()
    with pytest.raises(selectors.StoredFileMissing) as missing:
        selectors.stored_file_open(stored=stored)
    assert missing.value.code == "file_missing"
    assert selectors.stored_file_verify(stored=stored) is selectors.Integrity.MISSING


def test_documents_check_passes_on_an_intact_storage() -> None:
    store(samples.pdf_bytes())
    store(samples.pdf_bytes())
    store(samples.png_bytes(), "anh.png")
    assert check().strip().endswith("3 stored file(s) checked: 0 missing, 0 damaged; 0 orphan(s)")


def test_documents_check_finds_a_tampered_file_a_missing_one_and_orphans(storage_root: Path) -> None:
    tampered = store(samples.pdf_bytes("Mot"), "mot.pdf")
    gone = store(samples.pdf_bytes("Hai"), "hai.pdf")
    store(samples.png_bytes(), "anh.png")
    flip_a_byte(storage_root / tampered.storage_name)
    (storage_root / gone.storage_name).unlink()
    stray = storage_root / "ab" / "cd" / ".tmp-crashed"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"half")

    out = io.StringIO()
    with pytest.raises(CommandError, match="3 stored file\\(s\\) checked: 1 missing, 1 damaged; 1 orphan"):
        call_command("documents-check", stdout=out)
    lines = out.getvalue().splitlines()
    assert f"missing: {gone.storage_name} (file {gone.uuid}, “hai.pdf”)" in lines
    assert (
        f"damaged: {tampered.storage_name} (file {tampered.uuid}, “mot.pdf”): its SHA-256 differs from the one recorded"
    ) in lines
    assert "orphan: ab/cd/.tmp-crashed (an interrupted write)" in lines

    # --quick compares sizes only: the same-size tampering goes unseen, the missing file does not.
    quick = io.StringIO()
    with pytest.raises(CommandError, match="1 missing, 0 damaged"):
        call_command("documents-check", "--quick", stdout=quick)
