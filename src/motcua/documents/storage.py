"""The one storage layer of documents: uploaded and generated files, content-addressed.

Files live in the storage alias "documents" of settings.STORAGES: by default
`DocumentFileSystemStorage` under `DOCUMENTS_ROOT` (`<MOTCUA_VAR_DIR>/documents`, outside
MEDIA_ROOT), or an S3-compatible bucket through django-storages (docs/operations/configuration.md).
Neither has a public URL: files are served only by the API, to those who may see the dossier.

A file's name in the storage is its SHA-256, split into directories (`ab/cd/abcd…`), so that
- the same bytes are stored once, whoever uploads them and however often (each upload still gets
  its own StoredFile row: its own name, uploader, confidentiality and retention);
- a name never holds other bytes: nothing is ever overwritten by a new version;
- writes are idempotent: two processes writing the same bytes at once both succeed.

Durability before the database: `blob_put` returns only once the bytes are on disk (temporary file,
fsync, atomic rename, fsync of the directory); services create the StoredFile row after it. If the
row is never created (a refused dossier change, a crash), the bytes stay unreferenced: harmless,
reported as orphans by `motcua documents-check`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final

from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, InvalidStorageError, Storage, storages

__all__ = [
    "STORAGE_ALIAS",
    "TEMPORARY_PREFIX",
    "DocumentFileSystemStorage",
    "blob_digest",
    "blob_names",
    "blob_open",
    "blob_put",
    "document_storage",
    "storage_name_for",
]

logger = logging.getLogger(__name__)

STORAGE_ALIAS: Final = "documents"
# Prefix of the files being written; one left behind by a crash is reported as an orphan.
TEMPORARY_PREFIX: Final = ".tmp-"
_SHA256: Final = re.compile(r"^[0-9a-f]{64}$")
_CHUNK: Final = 64 * 1024


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class DocumentFileSystemStorage(FileSystemStorage):
    """Local storage of documents: atomic, durable writes under a content-addressed name, no URL.

    Files and directories are created for the service's user only (0600 / 0700 unless the OPTIONS
    say otherwise): a dossier holds personal data (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15, domain §13).
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        super().__init__(**kwargs)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        # Content-addressed: the same name means the same bytes, so a name is never changed to avoid
        # another file (Django's default would store a second copy under a random suffix).
        return name

    def _save(self, name: str, content: File[Any]) -> str:
        target = Path(self.path(name))
        self._make_directories(target.parent)
        descriptor, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, dir=target.parent)
        try:
            with os.fdopen(descriptor, "wb") as out:
                for chunk in content.chunks(_CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if self.file_permissions_mode is not None:
                Path(temporary).chmod(self.file_permissions_mode)
            # Atomic: a reader sees the old file or the complete new one, never a part.
            Path(temporary).replace(target)
            _fsync_directory(target.parent)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return name

    def _make_directories(self, directory: Path) -> None:
        """The hash directories (and the root, with any missing parent), each with the storage's mode."""
        root = Path(self.location)
        mode = self.directory_permissions_mode if self.directory_permissions_mode is not None else 0o777
        if not root.exists():
            root.parent.mkdir(parents=True, exist_ok=True)
        missing = [d for d in [directory, *directory.parents] if not d.exists() and (d == root or root in d.parents)]
        for each in reversed(missing):
            each.mkdir(mode=mode, exist_ok=True)
            each.chmod(mode)  # mkdir's mode is filtered by the umask

    def url(self, name: str | None) -> str:
        raise ValueError("documents have no public URL; they are served by the API to those who may see them")


def document_storage() -> Storage:
    """The storage of documents (settings.STORAGES["documents"])."""
    try:
        return storages[STORAGE_ALIAS]
    except InvalidStorageError as exc:
        raise ImproperlyConfigured(f'settings.STORAGES has no "{STORAGE_ALIAS}" storage') from exc


def storage_name_for(sha256: str) -> str:
    """`ab/cd/abcd…`: two levels of 256 directories keep every directory small."""
    if not _SHA256.match(sha256):
        raise ValueError(f"not a SHA-256 in lower-case hex: {sha256!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def blob_digest(name: str) -> tuple[str, int]:
    """SHA-256 and size of the stored bytes under `name` (read in chunks). Raises OSError / FileNotFoundError."""
    digest = hashlib.sha256()
    size = 0
    with document_storage().open(name, "rb") as stored:
        for chunk in stored.chunks(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def blob_put(*, content: IO[bytes], sha256: str, size: int) -> str:
    """Store the bytes of `content` (whose SHA-256 and size the caller computed) and return their
    storage name, once they are durable. Bytes already stored under that name are reused if they
    are intact; if they are not (a damaged disk, a tampered file), they are rewritten from these."""
    storage = document_storage()
    name = storage_name_for(sha256)
    if storage.exists(name):
        try:
            if blob_digest(name) == (sha256, size):
                return name
        except OSError:
            pass
        logger.warning("stored document %s did not match its SHA-256; rewritten from new bytes of the same hash", name)
    content.seek(0)
    saved = storage.save(name, File(content, name=name))
    if saved != name:
        # An S3 storage without file_overwrite=True renames instead of replacing identical bytes.
        raise ImproperlyConfigured(
            f"the documents storage saved {name!r} as {saved!r}; it must keep the names it is given "
            "(for django-storages: file_overwrite=True)"
        )
    return name


def blob_open(name: str) -> File[bytes]:
    """Open stored bytes for reading. Raises FileNotFoundError (or the backend's OSError)."""
    opened: File[bytes] = document_storage().open(name, "rb")
    return opened


def blob_names() -> Iterator[str]:
    """Every name in the storage, including temporary files left behind (for documents-check)."""
    storage = document_storage()

    def walk(prefix: str) -> Iterator[str]:
        try:
            directories, files = storage.listdir(prefix)
        except FileNotFoundError:
            return
        for file_name in sorted(files):
            yield f"{prefix}/{file_name}" if prefix else file_name
        for directory in sorted(directories):
            yield from walk(f"{prefix}/{directory}" if prefix else directory)

    yield from walk("")
