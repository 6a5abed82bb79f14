"""Every write of stored files: an upload checked against its rules, or a PDF the platform generated.

Order of work, so that a failure never leaves half a file behind:
1. the content is streamed into a private temporary file, hashed and checked (uploads.py); a
   refusal raises an UploadRefused and nothing has been stored;
2. the bytes are written to the storage, content-addressed, and are durable when `blob_put`
   returns (storage.py);
3. only then is the StoredFile row inserted. If that insert or the caller's transaction fails,
   the bytes remain unreferenced: harmless, and reported by `motcua documents-check`.

Callers that record the file together with another change (a dossier component, under the
dossier's row lock) do steps 1–2 with `stored_bytes_put` before taking the lock, so that no lock
is held while a file is received, then step 3 with `stored_file_record` inside their transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.files.base import File

from motcua.documents.models import Confidentiality, Retention, StoredFile
from motcua.documents.storage import blob_put
from motcua.documents.uploads import ReceivedFile, UploadRules, generated_receive, upload_receive

if TYPE_CHECKING:
    from django.contrib.auth.models import User

__all__ = [
    "StoredBytes",
    "stored_bytes_put",
    "stored_bytes_put_generated",
    "stored_file_create",
    "stored_file_create_generated",
    "stored_file_record",
]


@dataclass(frozen=True, slots=True)
class StoredBytes:
    """Bytes that passed their rules and are durable in the storage, not yet recorded in a row."""

    name: str
    sha256: str
    size: int
    content_type: str
    storage_name: str


def _put(received: ReceivedFile) -> StoredBytes:
    storage_name = blob_put(content=received.file, sha256=received.sha256, size=received.size)
    return StoredBytes(
        name=received.name,
        sha256=received.sha256,
        size=received.size,
        content_type=received.content_type,
        storage_name=storage_name,
    )


def stored_bytes_put(
    *, content: bytes | File[bytes], name: str | None = None, declared_type: str | None = None, rules: UploadRules
) -> StoredBytes:
    """Check an upload against `rules` and store its bytes durably; no row yet.

    Raises an UploadRefused (uploads.py) with nothing stored."""
    with upload_receive(content=content, name=name, declared_type=declared_type, rules=rules) as received:
        return _put(received)


def stored_file_record(
    *,
    stored: StoredBytes,
    confidentiality: str = Confidentiality.PERSONAL,
    retention: str = Retention.YEARS_20,
    created_by: User | None = None,
) -> StoredFile:
    """The row of bytes already durable in the storage (`stored_bytes_put`)."""
    if confidentiality not in Confidentiality.values:
        raise ValueError(f"unknown confidentiality {confidentiality!r}")
    if retention not in Retention.values:
        raise ValueError(f"unknown retention class {retention!r}")
    return StoredFile.objects.create(
        sha256=stored.sha256,
        size=stored.size,
        content_type=stored.content_type,
        original_name=stored.name,
        storage_name=stored.storage_name,
        confidentiality=confidentiality,
        retention=retention,
        created_by=created_by,
    )


def stored_file_create(
    *,
    content: bytes | File[bytes],
    name: str | None = None,
    declared_type: str | None = None,
    rules: UploadRules,
    confidentiality: str = Confidentiality.PERSONAL,
    retention: str = Retention.YEARS_20,
    created_by: User | None = None,
) -> StoredFile:
    """An uploaded file, checked against `rules`, stored, then recorded with its SHA-256, size,
    sniffed content type, confidentiality and retention class.

    `name` defaults to the upload's name, `declared_type` to its content type. Raises an
    UploadRefused (file_empty, file_too_large, file_type_not_allowed, file_type_mismatch,
    pdf_malformed, pdf_encrypted, image_malformed) with nothing stored."""
    stored = stored_bytes_put(content=content, name=name, declared_type=declared_type, rules=rules)
    return stored_file_record(
        stored=stored, confidentiality=confidentiality, retention=retention, created_by=created_by
    )


def stored_bytes_put_generated(*, content: bytes, name: str) -> StoredBytes:
    """A PDF the platform rendered or signed itself, durable in the storage; no row yet (a signed
    result is recorded with `stored_file_record` under the dossier's lock).

    Raises ValueError if the bytes are not a PDF (a programming mistake)."""
    with generated_receive(content=content, name=name) as received:
        return _put(received)


def stored_file_create_generated(
    *,
    content: bytes,
    name: str,
    confidentiality: str = Confidentiality.PERSONAL,
    retention: str = Retention.YEARS_20,
    created_by: User | None = None,
) -> StoredFile:
    """A PDF the platform rendered or signed itself: no upload rules; hash, size and type recorded.

    Raises ValueError if the bytes are not a PDF (a programming mistake)."""
    stored = stored_bytes_put_generated(content=content, name=name)
    return stored_file_record(
        stored=stored, confidentiality=confidentiality, retention=retention, created_by=created_by
    )
