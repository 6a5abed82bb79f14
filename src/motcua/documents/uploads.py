"""Upload rules: what a file may be, judged from its bytes, never from its name alone.

A file is streamed into a private temporary file (never read whole into memory), hashed with
SHA-256 while it is written and cut off as soon as it passes the size limit. Its type is then
sniffed from its first bytes (magic numbers, no dependency), compared with the extension of its
name and with the content type the client declared, checked against the types allowed, and
checked for structure: a PDF is parsed by pyHanko's reader (a truncated or damaged file is
refused, an encrypted one too, with its own message), a JPEG must reach its end-of-image marker
after the first scan, a PNG its IEND chunk with every chunk's CRC intact.

Every refusal is an `UploadRefused` (an InvalidInput) with a stable `code` and a message in the
active language naming the file. Nothing is kept of a refused file: the temporary file is
deleted when `upload_receive` exits, and the storage layer is only called with a file that
passed (documents/services.py).

Legal basis: an electronic dossier component must be readable and intact to have the value of
its paper original (Nghị định 45/2020/NĐ-CP Art 14(3), Luật Giao dịch điện tử 20/2023/QH15; domain
§3.1, §12); the hash of each attachment is kept (`HashTepTin`, domain §12).
"""

from __future__ import annotations

import hashlib
import re
import struct
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, TYPE_CHECKING, Any, Final

from django.conf import settings
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.errors import InvalidInput

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django_stubs_ext import StrOrPromise

__all__ = [
    "ACCEPTABLE_TYPES",
    "FILE_TYPES",
    "FileEmpty",
    "FileTooLarge",
    "FileType",
    "FileTypeMismatch",
    "FileTypeNotAllowed",
    "ImageMalformed",
    "PdfEncrypted",
    "PdfMalformed",
    "ReceivedFile",
    "SizeLimitUploadHandler",
    "UploadRefused",
    "UploadRules",
    "clean_file_name",
    "generated_receive",
    "sniff",
    "upload_receive",
]

CHUNK_SIZE: Final = 64 * 1024
MiB: Final = 1024 * 1024


# -- refusals ------------------------------------------------------------------------------------------


class UploadRefused(InvalidInput):
    """A file refused by the upload rules; `field` is "file" unless the caller says otherwise."""

    code = "upload_refused"


class FileEmpty(UploadRefused):
    code = "file_empty"


class FileTooLarge(UploadRefused):
    code = "file_too_large"


class FileTypeNotAllowed(UploadRefused):
    code = "file_type_not_allowed"


class FileTypeMismatch(UploadRefused):
    code = "file_type_mismatch"


class PdfMalformed(UploadRefused):
    code = "pdf_malformed"


class PdfEncrypted(UploadRefused):
    code = "pdf_encrypted"


class ImageMalformed(UploadRefused):
    code = "image_malformed"


# -- file types ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileType:
    """A type recognised from its bytes. `label` reads in a sentence: "a PDF document"."""

    key: str
    label: StrOrPromise
    mime: str
    extensions: tuple[str, ...]
    # Other content types clients send for the same thing (browsers, scanners, old software).
    aliases: tuple[str, ...] = ()


def _t(key: str, label: StrOrPromise, mime: str, extensions: tuple[str, ...], *aliases: str) -> FileType:
    return FileType(key, label, mime, extensions, aliases)


PDF = _t("pdf", gettext_lazy("a PDF document"), "application/pdf", (".pdf",), "application/x-pdf")
JPEG = _t(
    "jpeg",
    gettext_lazy("a JPEG image"),
    "image/jpeg",
    (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/jpg",
    "image/pjpeg",
)
PNG = _t("png", gettext_lazy("a PNG image"), "image/png", (".png",), "image/x-png")
TIFF = _t("tiff", gettext_lazy("a TIFF image"), "image/tiff", (".tif", ".tiff"), "image/x-tiff")
WEBP = _t("webp", gettext_lazy("a WebP image"), "image/webp", (".webp",))

# Recognised only to name them when they are refused ("… is named .pdf but is a Windows program").
GIF = _t("gif", gettext_lazy("a GIF image"), "image/gif", (".gif",))
BMP = _t("bmp", gettext_lazy("a BMP image"), "image/bmp", (".bmp", ".dib"), "image/x-ms-bmp")
HEIF = _t("heif", gettext_lazy("an HEIC or AVIF image"), "image/heic", (".heic", ".heif", ".avif"), "image/avif")
VIDEO = _t("video", gettext_lazy("a video"), "video/mp4", (".mp4", ".mov", ".m4v", ".3gp"), "video/quicktime")
WINDOWS_PROGRAM = _t(
    "windows_program",
    gettext_lazy("a Windows program"),
    "application/vnd.microsoft.portable-executable",
    (".exe", ".dll", ".scr", ".com", ".cpl", ".sys"),
    "application/x-msdownload",
    "application/x-dosexec",
)
LINUX_PROGRAM = _t("linux_program", gettext_lazy("a Linux program"), "application/x-elf", (".elf", ".so"))
MACOS_PROGRAM = _t("macos_program", gettext_lazy("a macOS program"), "application/x-mach-binary", (".dylib",))
SCRIPT = _t(
    "script",
    gettext_lazy("a script"),
    "text/x-shellscript",
    (".sh", ".py", ".pl", ".rb", ".bash"),
    "application/x-sh",
)
ZIP = _t("zip", gettext_lazy("a ZIP archive"), "application/zip", (".zip",), "application/x-zip-compressed")
WORD = _t(
    "docx",
    gettext_lazy("a Word document"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx", ".docm", ".dotx"),
)
EXCEL = _t(
    "xlsx",
    gettext_lazy("an Excel workbook"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx", ".xlsm", ".xltx"),
)
POWERPOINT = _t(
    "pptx",
    gettext_lazy("a PowerPoint presentation"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    (".pptx", ".ppsx"),
)
OPENDOCUMENT = _t(
    "odf",
    gettext_lazy("an OpenDocument file"),
    "application/vnd.oasis.opendocument.text",
    (".odt", ".ods", ".odp"),
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
)
JAVA_APP = _t(
    "java_app",
    gettext_lazy("a Java or Android application"),
    "application/java-archive",
    (".jar", ".apk"),
    "application/vnd.android.package-archive",
)
OLE = _t(
    "ole",
    gettext_lazy("an old Microsoft Office document or a Windows installer"),
    "application/x-ole-storage",
    (".doc", ".xls", ".ppt", ".msi"),
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
)
RAR = _t("rar", gettext_lazy("a RAR archive"), "application/vnd.rar", (".rar",), "application/x-rar-compressed")
SEVEN_ZIP = _t("7z", gettext_lazy("a 7-Zip archive"), "application/x-7z-compressed", (".7z",))
GZIP = _t("gzip", gettext_lazy("a gzip archive"), "application/gzip", (".gz", ".tgz"), "application/x-gzip")
HTML = _t("html", gettext_lazy("a web page (HTML)"), "text/html", (".html", ".htm", ".xhtml"))
XML = _t(
    "xml", gettext_lazy("an XML or SVG document"), "application/xml", (".xml", ".svg"), "image/svg+xml", "text/xml"
)

FILE_TYPES: Final[dict[str, FileType]] = {
    t.key: t
    for t in (
        PDF,
        JPEG,
        PNG,
        TIFF,
        WEBP,
        GIF,
        BMP,
        HEIF,
        VIDEO,
        WINDOWS_PROGRAM,
        LINUX_PROGRAM,
        MACOS_PROGRAM,
        SCRIPT,
        ZIP,
        WORD,
        EXCEL,
        POWERPOINT,
        OPENDOCUMENT,
        JAVA_APP,
        OLE,
        RAR,
        SEVEN_ZIP,
        GZIP,
        HTML,
        XML,
    )
}

# The types a dossier component may be, for which a structural check exists. PDF, JPEG and PNG by
# default (DOCUMENTS_ALLOWED_TYPES): every officer's browser shows them and the PDF tools of the
# platform (rendering, signing) read them. TIFF is what many counter scanners write, and WebP what
# some phones send; an operator may allow them, knowing browsers do not all display TIFF.
# config/settings.py repeats these keys (_DOCUMENT_TYPES) to validate DOCUMENTS_ALLOWED_TYPES; a test
# keeps both equal.
ACCEPTABLE_TYPES: Final = ("pdf", "jpeg", "png", "tiff", "webp")

_BY_EXTENSION: Final = {ext: t for t in FILE_TYPES.values() for ext in t.extensions}
_BY_MIME: Final = {mime: t for t in FILE_TYPES.values() for mime in (t.mime, *t.aliases)}
assert len(_BY_EXTENSION) == sum(len(t.extensions) for t in FILE_TYPES.values()), "an extension names two types"
# Content types that say nothing about the content: what a client sends when it does not know.
_UNDECLARED_MIMES: Final = frozenset(
    {
        "",
        "application/octet-stream",
        "binary/octet-stream",
        "application/unknown",
        "application/x-download",
        "application/force-download",
    }
)
_EXTENSION: Final = re.compile(r"^\.[a-z0-9]*[a-z][a-z0-9]*$")


@dataclass(frozen=True, slots=True)
class UploadRules:
    """What a dossier component may be: the types allowed (keys of ACCEPTABLE_TYPES) and a size limit."""

    allowed: frozenset[str] = field(default_factory=lambda: frozenset({"pdf", "jpeg", "png"}))
    max_bytes: int = 20 * MiB

    def __post_init__(self) -> None:
        unknown = self.allowed - set(ACCEPTABLE_TYPES)
        if unknown or not self.allowed:
            raise ValueError(f"upload rules allow types without a structural check: {sorted(unknown)}")
        if self.max_bytes < 1:
            raise ValueError("the size limit must be positive")

    @classmethod
    def default(cls) -> UploadRules:
        """The platform's rules: DOCUMENTS_ALLOWED_TYPES and DOCUMENTS_MAX_UPLOAD_BYTES."""
        return cls(
            allowed=frozenset(settings.DOCUMENTS_ALLOWED_TYPES),
            max_bytes=settings.DOCUMENTS_MAX_UPLOAD_BYTES,
        )

    def allowed_extensions(self) -> str:
        return ", ".join(ext for key in ACCEPTABLE_TYPES if key in self.allowed for ext in FILE_TYPES[key].extensions)


# -- sniffing ------------------------------------------------------------------------------------------

_MACHO_MAGICS: Final = (
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)
_HEIF_BRANDS: Final = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis")
_ZIP_MAGICS: Final = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


def sniff(head: bytes) -> FileType | None:
    """The type the first bytes of a file show (at least 16 are needed), or None when unknown."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:2] == b"BM" and head[6:10] == b"\x00\x00\x00\x00" and len(head) >= 26:
        return BMP
    if head[4:8] == b"ftyp":
        return HEIF if head[8:12] in _HEIF_BRANDS else VIDEO
    if head[:2] == b"MZ":
        return WINDOWS_PROGRAM
    if head[:4] == b"\x7fELF":
        return LINUX_PROGRAM
    if head[:4] in _MACHO_MAGICS:
        return MACOS_PROGRAM
    if head[:2] == b"#!":
        return SCRIPT
    if head[:4] in _ZIP_MAGICS:
        return ZIP
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return OLE
    if head[:6] == b"Rar!\x1a\x07":
        return RAR
    if head[:6] == b"7z\xbc\xaf\x27\x1c":
        return SEVEN_ZIP
    if head[:2] == b"\x1f\x8b":
        return GZIP
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return HTML
    if text.startswith((b"<?xml", b"<svg")):
        return XML
    return None


def _refine_zip(file: IO[bytes]) -> FileType:
    """Which ZIP-based format the archive is (Office, OpenDocument, Java), read from its directory."""
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return ZIP
    if "word/document.xml" in names:
        return WORD
    if "xl/workbook.xml" in names:
        return EXCEL
    if "ppt/presentation.xml" in names:
        return POWERPOINT
    if "mimetype" in names and "content.xml" in names:
        return OPENDOCUMENT
    if "AndroidManifest.xml" in names or "META-INF/MANIFEST.MF" in names:
        return JAVA_APP
    return ZIP


def clean_file_name(name: str) -> str:
    """The name to keep: its last path component, NFC, without control characters, at most 255 long."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = "".join(" " if ch.isspace() else ch for ch in base if ch.isspace() or unicodedata.category(ch)[0] != "C")
    base = " ".join(base.split()).strip(" .")
    if not base:
        base = "document"
    if len(base) > 255:
        suffix = _extension_of(base) or ""
        base = base[: 255 - len(suffix)].rstrip() + suffix
    return base


def _extension_of(name: str) -> str | None:
    """The extension of a name, lower-case with its dot, if it looks like one (".pdf", not ".2" or
    ".mặt trước": names of papers often hold dots)."""
    suffix = PurePosixPath(name).suffix.lower()
    return suffix if suffix and suffix.isascii() and _EXTENSION.match(suffix) else None


def _declared_mime(declared_type: str | None) -> str:
    return (declared_type or "").split(";", 1)[0].strip().lower()


# -- structure -----------------------------------------------------------------------------------------

# Decompressed bytes checked per PDF: every content stream of ordinary documents and the compressed
# images of several scanned pages, bounded so that a decompression bomb costs well under a second.
# Past it, the remaining streams are not decompressed (they were still read whole and parsed).
_PDF_INFLATE_BUDGET: Final = 64 * MiB
_PDF_MAX_PAGE_TREE_DEPTH: Final = 64


class _Unreadable(Exception):
    """Internal: the structure is broken (turned into the refusal of the file's type)."""


def _check_pdf(file: IO[bytes], name: str) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    file.seek(0)
    try:
        # Not pyHanko's strict mode: it refuses quirks every viewer corrects (Pillow, which many scanning
        # tools use, numbers the free object 0 with generation 65536). What the non-strict reader still
        # refuses is what this check is for: a missing end marker or cross-reference table (a cut-off
        # file), objects that do not parse, compressed streams that do not decompress.
        reader = PdfFileReader(file, strict=False)
        encrypted = bool(reader.encrypted)
    except Exception as exc:  # any failure of the parser means the file cannot be read
        raise _pdf_malformed(name) from exc
    if encrypted:
        raise PdfEncrypted(
            _(
                "“%(name)s” is protected by a password or encrypted, so it cannot be kept in the dossier. "
                "Remove the protection (for instance by printing it to a new PDF) and upload it again."
            )
            % {"name": name},
            field="file",
        )
    try:
        _walk_pdf(reader)
    except Exception as exc:
        raise _pdf_malformed(name) from exc


def _pdf_malformed(name: str) -> PdfMalformed:
    return PdfMalformed(
        _(
            "“%(name)s” is not a readable PDF: it is damaged or incomplete (for instance cut off while it "
            "was copied or sent). Save or scan it again and upload the new file."
        )
        % {"name": name},
        field="file",
    )


def _walk_pdf(reader: Any) -> None:
    """Resolve every object stored at a file offset, in every revision, decompressing its Flate
    streams; then follow the page tree to its first page.

    Objects inside object streams are not resolved one by one (pyHanko decodes the whole object
    stream again for each, which is quadratic); the object stream itself is read and decompressed."""
    from pyhanko.pdf_utils import generic

    budget = _PDF_INFLATE_BUDGET
    seen: set[tuple[int, int]] = set()
    for revision in range(reader.xrefs.total_revisions):
        for ref in reader.xrefs.explicit_refs_in_revision(revision):
            key = (ref.idnum, ref.generation)
            if key in seen or not isinstance(reader.xrefs[ref], int):
                continue
            seen.add(key)
            obj = reader.get_object(ref)
            if budget > 0 and isinstance(obj, generic.StreamObject):
                budget -= _check_flate(obj)
            if len(seen) % 512 == 0:
                # Parsed objects are cached by the reader; a document of many objects must not pile them up.
                reader.resolved_objects.clear()
    pages = reader.root["/Pages"]
    count = pages.get("/Count")
    if not isinstance(count, int) or count < 1:
        raise _Unreadable("no pages")
    node = pages
    for _depth in range(_PDF_MAX_PAGE_TREE_DEPTH):
        if not isinstance(node, generic.DictionaryObject):
            raise _Unreadable("broken page tree")
        if node.get("/Type") == "/Page":
            return
        kids = node["/Kids"]
        if not isinstance(kids, generic.ArrayObject) or not kids:
            raise _Unreadable("page-tree node without kids")
        node = kids[0].get_object()
    raise _Unreadable("page tree too deep")


def _check_flate(stream: Any) -> int:
    """Decompress a stream whose only filter is FlateDecode, discarding the output; return the bytes
    it produced. zlib.error (a damaged stream) propagates. Other filters (images in DCT, JBIG2…) are
    not decoded here: their bytes were read whole, up to their declared /Length."""
    filters = stream.get("/Filter")
    names = [str(f) for f in filters] if isinstance(filters, list) else [str(filters)] if filters is not None else []
    if names != ["/FlateDecode"]:
        return 0
    data: bytes = stream.encoded_data
    inflater = zlib.decompressobj()
    produced = 0
    while data:
        produced += len(inflater.decompress(data, MiB))
        data = inflater.unconsumed_tail
        if produced > _PDF_INFLATE_BUDGET:
            break
    return produced


def _read_exact(file: IO[bytes], n: int) -> bytes:
    data = file.read(n)
    if len(data) != n:
        raise _Unreadable("unexpected end of file")
    return data


def _check_jpeg(file: IO[bytes], size: int) -> None:
    """Walk the marker segments up to the first scan, then find the end-of-image marker (FFD9).

    Entropy-coded data never holds FF D9 (an FF byte there is followed by 00 or a restart code), so
    the first FF D9 after the start of scan is the end of the image; a cut-off file has none. Data
    after it (some phones append a video) is allowed. Segments before the scan are skipped by their
    length, so the end marker of an embedded EXIF thumbnail is not mistaken for the image's.
    """
    position = 2
    while True:
        file.seek(position)
        marker_byte = _read_exact(file, 2)
        if marker_byte[0] != 0xFF:
            raise _Unreadable("expected a marker")
        marker = marker_byte[1]
        position += 2
        while marker == 0xFF:  # fill bytes
            marker = _read_exact(file, 1)[0]
            position += 1
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:
            continue  # markers without a length
        if marker == 0xD9:
            raise _Unreadable("end of image before any scan")
        length = struct.unpack(">H", _read_exact(file, 2))[0]
        if length < 2 or position + length > size:
            raise _Unreadable("segment runs past the end")
        position += length
        if marker == 0xDA:
            break
    file.seek(position)
    previous = b""
    while chunk := file.read(CHUNK_SIZE):
        if b"\xff\xd9" in previous + chunk:
            return
        previous = chunk[-1:]
    raise _Unreadable("no end of image")


def _check_png(file: IO[bytes]) -> None:
    """Every chunk complete with its CRC, IHDR first, up to IEND."""
    file.seek(8)
    first = True
    while True:
        length, kind = struct.unpack(">I4s", _read_exact(file, 8))
        if length > 0x7FFFFFFF or (first and kind != b"IHDR"):
            raise _Unreadable("bad chunk")
        first = False
        crc = zlib.crc32(kind)
        remaining = length
        while remaining:
            piece = _read_exact(file, min(remaining, CHUNK_SIZE))
            crc = zlib.crc32(piece, crc)
            remaining -= len(piece)
        if struct.unpack(">I", _read_exact(file, 4))[0] != crc:
            raise _Unreadable("chunk CRC mismatch")
        if kind == b"IEND":
            return


_TIFF_TYPE_WIDTH: Final = {3: 2, 4: 4}  # SHORT, LONG: the types of strip and tile offsets and sizes
_TIFF_MAX_PAGES: Final = 1000


def _tiff_values(file: IO[bytes], order: str, entry: bytes, size: int) -> list[int]:
    kind, count = struct.unpack(f"{order}HI", entry[2:8])
    width = _TIFF_TYPE_WIDTH.get(kind)
    if width is None or count > size:
        raise _Unreadable("unexpected strip table")
    total = width * count
    if total <= 4:
        data = entry[8 : 8 + total]
    else:
        offset = struct.unpack(f"{order}I", entry[8:12])[0]
        if offset + total > size:
            raise _Unreadable("strip table outside the file")
        file.seek(offset)
        data = _read_exact(file, total)
    return list(struct.unpack(f"{order}{count}{'H' if width == 2 else 'I'}", data))


def _check_tiff(file: IO[bytes], size: int) -> None:
    """Every image directory lies inside the file, and so does every strip (or tile) it points to."""
    file.seek(0)
    header = _read_exact(file, 8)
    order = "<" if header[:2] == b"II" else ">"
    offset = struct.unpack(f"{order}I", header[4:8])[0]
    pages = 0
    while offset:
        pages += 1
        if pages > _TIFF_MAX_PAGES or offset < 8 or offset + 2 > size:
            raise _Unreadable("image directory outside the file")
        file.seek(offset)
        count = struct.unpack(f"{order}H", _read_exact(file, 2))[0]
        if count == 0 or offset + 2 + 12 * count + 4 > size:
            raise _Unreadable("image directory cut off")
        table = _read_exact(file, 12 * count)
        following = struct.unpack(f"{order}I", _read_exact(file, 4))[0]
        entries = {struct.unpack(f"{order}H", table[i : i + 2])[0]: table[i : i + 12] for i in range(0, len(table), 12)}
        # StripOffsets / StripByteCounts, or TileOffsets / TileByteCounts.
        for offsets_tag, counts_tag in ((273, 279), (324, 325)):
            if offsets_tag in entries and counts_tag in entries:
                starts = _tiff_values(file, order, entries[offsets_tag], size)
                lengths = _tiff_values(file, order, entries[counts_tag], size)
                if len(starts) != len(lengths) or any(a + n > size for a, n in zip(starts, lengths, strict=True)):
                    raise _Unreadable("image data cut off")
                break
        else:
            raise _Unreadable("no image data")
        offset = following


def _check_webp(file: IO[bytes], size: int) -> None:
    """The RIFF container is as long as it says."""
    file.seek(4)
    declared = struct.unpack("<I", _read_exact(file, 4))[0]
    if 8 + declared > size:
        raise _Unreadable("RIFF container cut off")


def _check_image(file: IO[bytes], size: int, kind: FileType, name: str) -> None:
    try:
        if kind is JPEG:
            _check_jpeg(file, size)
        elif kind is PNG:
            _check_png(file)
        elif kind is TIFF:
            _check_tiff(file, size)
        elif kind is WEBP:
            _check_webp(file, size)
    except (_Unreadable, struct.error, OSError) as exc:
        raise ImageMalformed(
            _(
                "“%(name)s” is not a complete image (%(kind)s): it is damaged or cut off. "
                "Save or scan it again and upload the new file."
            )
            % {"name": name, "kind": kind.label},
            field="file",
        ) from exc


# -- receiving -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    """A file that passed the rules, held in a private temporary file until `upload_receive` exits."""

    name: str
    sha256: str
    size: int
    file_type: FileType
    file: IO[bytes]

    @property
    def content_type(self) -> str:
        return self.file_type.mime


def _chunks(content: bytes | File[bytes]) -> Iterable[bytes]:
    if isinstance(content, bytes | bytearray | memoryview):
        view = memoryview(content)
        return (bytes(view[i : i + CHUNK_SIZE]) for i in range(0, len(view), CHUNK_SIZE))
    return content.chunks(CHUNK_SIZE)


def _spool(content: bytes | File[bytes], target: IO[bytes], *, limit: int | None, name: str) -> tuple[str, int]:
    """Copy the content into `target`, hashing it; stop at the first chunk past `limit`."""
    digest = hashlib.sha256()
    size = 0
    for chunk in _chunks(content):
        size += len(chunk)
        if limit is not None and size > limit:
            raise _too_large(name, limit)
        digest.update(chunk)
        target.write(chunk)
    target.flush()
    return digest.hexdigest(), size


def _too_large(name: str, limit: int) -> FileTooLarge:
    return FileTooLarge(
        _(
            "“%(name)s” is larger than the limit of %(limit)s. Scan it at a lower resolution or in "
            "black and white, or split it into several files."
        )
        % {"name": name, "limit": filesizeformat(limit)},
        field="file",
    )


def _identify(file: IO[bytes]) -> FileType | None:
    file.seek(0)
    kind = sniff(file.read(64))
    if kind is ZIP:
        kind = _refine_zip(file)
    return kind


def _check_declared(kind: FileType | None, *, name: str, declared_type: str | None) -> None:
    """The name's extension and the declared content type must be those of the content."""
    actual = kind.label if kind is not None else _("a file of no recognised type")
    extension = _extension_of(name)
    if extension is not None and (kind is None or extension not in kind.extensions):
        named_as = _BY_EXTENSION.get(extension)
        if kind is not None or named_as is not None:
            raise FileTypeMismatch(
                _(
                    "“%(name)s” is named as %(declared)s, but its content is %(actual)s. Upload the "
                    "original file rather than a renamed one."
                )
                % {
                    "name": name,
                    "declared": named_as.label if named_as else _("a “%(extension)s” file") % {"extension": extension},
                    "actual": actual,
                },
                field="file",
            )
    mime = _declared_mime(declared_type)
    if mime not in _UNDECLARED_MIMES and kind is not None and mime != kind.mime and mime not in kind.aliases:
        sent_as = _BY_MIME.get(mime)
        raise FileTypeMismatch(
            _("“%(name)s” was sent as %(declared)s (%(type)s), but its content is %(actual)s.")
            % {
                "name": name,
                "declared": sent_as.label if sent_as else _("another type"),
                "type": mime,
                "actual": actual,
            },
            field="file",
        )


def _check_allowed(kind: FileType | None, *, name: str, rules: UploadRules) -> FileType:
    if kind is None or kind.key not in rules.allowed:
        raise FileTypeNotAllowed(
            _("“%(name)s” is %(actual)s, which is not accepted here. Accepted files: %(allowed)s.")
            % {
                "name": name,
                "actual": kind.label if kind is not None else _("a file of no recognised type"),
                "allowed": rules.allowed_extensions(),
            },
            field="file",
        )
    return kind


@contextmanager
def upload_receive(
    *, content: bytes | File[bytes], name: str | None = None, declared_type: str | None = None, rules: UploadRules
) -> Iterator[ReceivedFile]:
    """Stream `content` into a private temporary file and check it against `rules`.

    `name` defaults to the uploaded file's name and `declared_type` to its content type. Raises an
    UploadRefused (FileEmpty, FileTooLarge, FileTypeMismatch, FileTypeNotAllowed, PdfMalformed,
    PdfEncrypted, ImageMalformed); otherwise yields the file, which is deleted on exit.
    """
    if isinstance(content, UploadedFile) and declared_type is None:
        declared_type = content.content_type
    clean = clean_file_name(name if name is not None else (getattr(content, "name", None) or ""))
    with tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as spooled:
        sha256, size = _spool(content, spooled, limit=rules.max_bytes, name=clean)
        if size == 0:
            raise FileEmpty(_("“%(name)s” is empty (0 bytes); choose the file again.") % {"name": clean}, field="file")
        kind = _identify(spooled)
        _check_declared(kind, name=clean, declared_type=declared_type)
        allowed = _check_allowed(kind, name=clean, rules=rules)
        if allowed is PDF:
            _check_pdf(spooled, clean)
        else:
            _check_image(spooled, size, allowed, clean)
        spooled.seek(0)
        yield ReceivedFile(name=clean, sha256=sha256, size=size, file_type=allowed, file=spooled)


@contextmanager
def generated_receive(*, content: bytes, name: str) -> Iterator[ReceivedFile]:
    """A PDF the platform produced itself (a slip, a signed result): hashed and typed, no upload rules.

    Raises ValueError when the bytes are not a PDF: a programming mistake, not a user's."""
    kind = sniff(content[:64])
    if kind is not PDF:
        raise ValueError(f"generated documents are PDFs; {name!r} is {kind.key if kind else 'unknown'}")
    with tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as spooled:
        sha256, size = _spool(content, spooled, limit=None, name=name)
        spooled.seek(0)
        yield ReceivedFile(name=clean_file_name(name), sha256=sha256, size=size, file_type=PDF, file=spooled)


class SizeLimitUploadHandler(FileUploadHandler):
    """First upload handler of a request carrying documents: drops any file as soon as it passes
    the limit, so that neither memory nor a temporary file ever holds more than `max_bytes` of it.
    The view then refuses the request with FileTooLarge for each name in `refused`."""

    def __init__(self, request: HttpRequest | None = None, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.refused: list[str] = []

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.max_bytes:
            self.refused.append(clean_file_name(self.file_name or ""))
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        return None

    def refusal(self) -> FileTooLarge | None:
        """The refusal for the first file dropped, if any."""
        return _too_large(self.refused[0], self.max_bytes) if self.refused else None
