"""Reading stored files: their bytes, verified against their SHA-256 on demand, and the storage check.

Who may read a file is not decided here: a file belongs to a dossier (or a result), and the
interfaces ask the dossier's policies before calling these (dossiers/documents.py).
"""

from __future__ import annotations

import enum
import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.files.base import File
from django.utils.translation import gettext as _

from motcua.core.errors import DomainError
from motcua.documents.models import StoredFile
from motcua.documents.storage import TEMPORARY_PREFIX, blob_digest, blob_names, blob_open, document_storage

__all__ = [
    "FileProblem",
    "Integrity",
    "StorageReport",
    "StoredFileCorrupted",
    "StoredFileMissing",
    "storage_check",
    "stored_file_open",
    "stored_file_read",
    "stored_file_verify",
]

logger = logging.getLogger(__name__)


class StoredFileMissing(DomainError):
    """The row exists but its bytes are gone from the storage: an operator must restore them."""

    code = "file_missing"
    status = 500


class StoredFileCorrupted(DomainError):
    """The stored bytes no longer match the SHA-256 recorded when they were received."""

    code = "file_corrupted"
    status = 500


class Integrity(enum.StrEnum):
    INTACT = "intact"
    MISSING = "missing"
    DAMAGED = "damaged"  # size or SHA-256 differ from the row


def stored_file_verify(*, stored: StoredFile) -> Integrity:
    """Read the stored bytes and compare their size and SHA-256 with the row's."""
    try:
        digest = blob_digest(stored.storage_name)
    except FileNotFoundError:
        return Integrity.MISSING
    return Integrity.INTACT if digest == (stored.sha256, stored.size) else Integrity.DAMAGED


def _refuse(stored: StoredFile, integrity: Integrity) -> DomainError:
    if integrity is Integrity.MISSING:
        logger.error("stored file %s (%s) is missing from the storage", stored.uuid, stored.storage_name)
        return StoredFileMissing(
            _("The file “%(name)s” is missing from the document storage; report it to the operator.")
            % {"name": stored.original_name}
        )
    logger.error("stored file %s (%s) does not match its SHA-256", stored.uuid, stored.storage_name)
    return StoredFileCorrupted(
        _(
            "The file “%(name)s” in the document storage no longer matches the fingerprint recorded when it "
            "was received, so it is not given out; report it to the operator."
        )
        % {"name": stored.original_name}
    )


def stored_file_open(*, stored: StoredFile, verify: bool = True) -> File[bytes]:
    """The stored bytes, open for reading (the caller closes them). With `verify` (the default) they
    are first read once and checked against the row's SHA-256 and size.

    Raises StoredFileMissing or StoredFileCorrupted."""
    if verify:
        integrity = stored_file_verify(stored=stored)
        if integrity is not Integrity.INTACT:
            raise _refuse(stored, integrity)
    try:
        return blob_open(stored.storage_name)
    except FileNotFoundError as exc:
        raise _refuse(stored, Integrity.MISSING) from exc


def stored_file_read(*, stored: StoredFile) -> bytes:
    """All the bytes, checked against the SHA-256 and size as they are read (for small files: slips,
    results to sign). Raises StoredFileMissing or StoredFileCorrupted."""
    with stored_file_open(stored=stored, verify=False) as opened:
        data: bytes = opened.read()
    if len(data) != stored.size or hashlib.sha256(data).hexdigest() != stored.sha256:
        raise _refuse(stored, Integrity.DAMAGED)
    return data


@dataclass(frozen=True, slots=True)
class FileProblem:
    uuid: str
    storage_name: str
    original_name: str
    integrity: Integrity


@dataclass(slots=True)
class StorageReport:
    """What `storage_check` found: rows whose bytes are missing or damaged, and bytes no row uses."""

    rows_checked: int = 0
    hashes_checked: bool = True
    problems: list[FileProblem] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[FileProblem]:
        return [p for p in self.problems if p.integrity is Integrity.MISSING]

    @property
    def damaged(self) -> list[FileProblem]:
        return [p for p in self.problems if p.integrity is Integrity.DAMAGED]

    @property
    def temporary_orphans(self) -> list[str]:
        return [name for name in self.orphans if name.rsplit("/", 1)[-1].startswith(TEMPORARY_PREFIX)]


def _rows() -> Iterator[StoredFile]:
    return (
        StoredFile.objects.order_by("pk")
        .only("uuid", "sha256", "size", "storage_name", "original_name")
        .iterator(chunk_size=1000)
    )


def storage_check(*, verify_hashes: bool = True) -> StorageReport:
    """Compare the StoredFile rows with the storage: each row's bytes exist (and, with
    `verify_hashes`, match its SHA-256 and size; otherwise only the size is compared), and every
    stored name is used by a row. Bytes shared by several rows are read once."""
    report = StorageReport(hashes_checked=verify_hashes)
    results: dict[str, tuple[str, int] | None] = {}
    referenced: set[str] = set()
    storage = document_storage()
    for row in _rows():
        report.rows_checked += 1
        referenced.add(row.storage_name)
        if row.storage_name not in results:
            try:
                if verify_hashes:
                    results[row.storage_name] = blob_digest(row.storage_name)
                else:
                    results[row.storage_name] = (row.sha256, storage.size(row.storage_name))
            except FileNotFoundError:
                results[row.storage_name] = None
        found = results[row.storage_name]
        if found is None:
            integrity = Integrity.MISSING
        elif found != (row.sha256, row.size):
            integrity = Integrity.DAMAGED
        else:
            continue
        report.problems.append(FileProblem(str(row.uuid), row.storage_name, row.original_name, integrity))
    report.orphans = [name for name in blob_names() if name not in referenced]
    return report
