"""Upload inspection: judge the type from the bytes, validate, extract text.

Pure module (no Flask, no database). Raises UnsupportedFileType (415) for
bytes that are not DOCX, PDF, Markdown or text, and BadUpload (422) with a
code naming the problem for files of a supported type that cannot be read.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.documents.docx_text import read_docx
from app.documents.images import IMAGE_TYPES, MEDIA_JPEG, MEDIA_PNG, MEDIA_TIFF, inspect_image, sniff_image
from app.documents.pdf_text import read_pdf
from app.documents.textcodec import decode_text
from app.errors import BadUpload, UnsupportedFileType


def _(message: str) -> str:  # marks a message for the catalogue; translated when shown
    return message


MEDIA_PDF = "application/pdf"
MEDIA_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA_MARKDOWN = "text/markdown"
MEDIA_TEXT = "text/plain"
ALLOWED_MEDIA_TYPES = (MEDIA_PDF, MEDIA_DOCX, MEDIA_MARKDOWN, MEDIA_TEXT, *IMAGE_TYPES)
MARKDOWN_SUFFIXES = (".md", ".markdown")
MAX_COMPRESSION_RATIO = 200  # real DOCX XML compresses 5-20x; bombs 1000x+

_MAGIC = [
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"\xd0\xcf\x11\xe0", "OLE (.doc, .xls)"),
    (b"MZ", "EXE"),
    (b"\x7fELF", "ELF"),
    (b"Rar!", "RAR"),
    (b"\x1f\x8b", "gzip"),
]
_UNSUPPORTED = _(
    "unsupported file type: this looks like a %(kind)s file; upload DOCX, PDF, Markdown or plain text"
)


@dataclass(frozen=True)
class Extracted:
    media_type: str
    text: str
    status: str  # "ok" | "empty" | "unreliable" (mostly unmapped glyphs)
    encoding: str | None
    pages: int | None
    tracked_changes: list[dict] = field(default_factory=list)  # DOCX revisions, in document order
    comments: list[dict] = field(default_factory=list)  # Word comments, apart from the text


def _read(path_or_bytes) -> bytes:
    if isinstance(path_or_bytes, (bytes, bytearray)):
        return bytes(path_or_bytes)
    return Path(path_or_bytes).read_bytes()


_CORRUPT_ZIP = _("corrupt DOCX: the ZIP container cannot be read (%(detail)s)")


def _is_pdf(data: bytes) -> bool:
    """A PDF starts with its header; some tools put a few bytes before it,
    and then the file still ends like a PDF. A note that merely mentions
    %PDF-1.7 near its top is text."""
    if data.lstrip(b"\x00\t\n\r\x0c ").startswith(b"%PDF-"):
        return True
    tail = data[-4096:]
    return b"%PDF-" in data[:1024] and b"%%EOF" in tail and b"startxref" in tail


def _is_zip(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06")


def needs_parser(data: bytes) -> bool:
    """True for the formats a parser reads (PDF, DOCX, images); anything
    else is text, or refused by its first bytes or by decoding."""
    return _is_pdf(data) or _is_zip(data) or sniff_image(data) is not None


def sniff_media_type(path_or_bytes, filename: str) -> str:
    data = _read(path_or_bytes)
    if _is_pdf(data):
        return MEDIA_PDF
    if _is_zip(data):
        return _sniff_zip(data)
    image = sniff_image(data)
    if image is not None:
        return image
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise UnsupportedFileType(_UNSUPPORTED, kind=what)
    decode_text(data)  # raises UnsupportedFileType for binary data
    return MEDIA_MARKDOWN if filename.lower().endswith(MARKDOWN_SUFFIXES) else MEDIA_TEXT


_NAMED_TYPES = {
    ".pdf": MEDIA_PDF,
    ".docx": MEDIA_DOCX,
    ".md": MEDIA_MARKDOWN,
    ".markdown": MEDIA_MARKDOWN,
    ".txt": MEDIA_TEXT,
    ".text": MEDIA_TEXT,
    ".png": MEDIA_PNG,
    ".jpg": MEDIA_JPEG,
    ".jpeg": MEDIA_JPEG,
    ".tif": MEDIA_TIFF,
    ".tiff": MEDIA_TIFF,
}
_TYPE_NAMES = {
    MEDIA_PDF: "PDF",
    MEDIA_DOCX: "DOCX",
    MEDIA_MARKDOWN: "TXT",
    MEDIA_TEXT: "TXT",
    MEDIA_PNG: "PNG",
    MEDIA_JPEG: "JPEG",
    MEDIA_TIFF: "TIFF",
}


def check_extension(media_type: str, filename: str) -> None:
    """Refuse a file whose name claims another supported type than its bytes
    (a PDF named .docx, a DOCX named .txt): the name would mislead readers."""
    suffix = os.path.splitext(filename.lower())[1]
    claimed = _NAMED_TYPES.get(suffix)
    if claimed is None or claimed == media_type or {claimed, media_type} <= {MEDIA_TEXT, MEDIA_MARKDOWN}:
        return
    raise UnsupportedFileType(
        _(
            "the file name ends in %(suffix)s but the content is a %(kind)s file; "
            "rename the file or upload the right one"
        ),
        suffix=suffix,
        kind=_TYPE_NAMES[media_type],
    )


def _sniff_zip(data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise BadUpload(_CORRUPT_ZIP, code="corrupt_docx", detail=str(exc)) from None
    if "word/document.xml" in names:
        return MEDIA_DOCX
    kind = "XLSX" if "xl/workbook.xml" in names else "PPTX" if "ppt/presentation.xml" in names else "ZIP"
    raise UnsupportedFileType(_UNSUPPORTED, kind=kind)


# Text ----------------------------------------------------------------------

# Control characters are not text (PostgreSQL refuses NUL in a text column);
# tabs and line breaks are kept, a form feed becomes a line break.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_FULLWIDTH = re.compile("([\uff00-\uffef]+)")


def compatibility_forms(text: str) -> str:
    """NFKC (ligatures such as U+FB01 become their letters, so "definition"
    finds a PDF's "de\ufb01nition"), except the fullwidth forms Chinese text
    uses as its punctuation (，：), which stay as written."""
    parts = _FULLWIDTH.split(text)
    return "".join(
        part if index % 2 else unicodedata.normalize("NFKC", part) for index, part in enumerate(parts)
    )


def normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = unicodedata.normalize("NFC", _CONTROLS.sub("", text))
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


_HAN_NAMES = {"CJK", "HIRAGANA", "KATAKANA", "BOPOMOFO", "IDEOGRAPHIC", "HALFWIDTH", "FULLWIDTH"}


def _scripts(word: str) -> set[str]:
    scripts = set()
    for ch in word:
        if unicodedata.category(ch).startswith("L"):
            first = unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]
            scripts.add("HAN" if first in _HAN_NAMES else first)
    return scripts


def _garbled(word: str) -> bool:
    """A word mixing scripts no writing mixes (Thai, Tibetan and Hangul in
    one word): glyph numbers read as if they were character codes."""
    scripts = _scripts(word)
    return len(scripts) >= 3 or len(scripts - {"LATIN", "HAN"}) >= 2


def unmapped_share(text: str) -> float:
    """Share of the visible characters that are no real text: glyph codes a
    PDF font without a ToUnicode map hands out as control characters,
    private-use code points, U+FFFD, or as letters of unrelated scripts."""
    visible = bad = 0
    for word in text.split():
        visible += len(word)
        if _garbled(word):
            bad += len(word)
            continue
        bad += sum(1 for ch in word if ch == "\ufffd" or unicodedata.category(ch) in ("Cc", "Co", "Cn", "Cs"))
    return bad / visible if visible else 0.0


UNRELIABLE_SHARE = 0.3


# DOCX ----------------------------------------------------------------------


def _check_zip_size(path, max_unpacked_bytes: int) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            bad = archive.testzip() if len(infos) < 2000 else None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise BadUpload(_CORRUPT_ZIP, code="corrupt_docx", detail=str(exc)) from None
    if bad is not None:
        raise BadUpload(
            _("corrupt DOCX: member %(member)s fails its checksum"), code="corrupt_docx", member=bad
        )
    _refuse_doctype(path, infos)
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if unpacked > max_unpacked_bytes or unpacked / packed > MAX_COMPRESSION_RATIO and unpacked > 10_000_000:
        raise BadUpload(
            _("DOCX unpacks to %(size)s MB, over the %(limit)s MB limit (possible zip bomb)"),
            code="docx_too_large_unpacked",
            size=unpacked // (1024 * 1024),
            limit=max_unpacked_bytes // (1024 * 1024),
        )


def _refuse_doctype(path, infos) -> None:
    """Word never writes a DTD; one in a DOCX part can only be an attempt at
    external or expanding entities (XXE, billion laughs). Refuse it."""
    with zipfile.ZipFile(path) as archive:
        for info in infos:
            if not info.filename.endswith((".xml", ".rels")) or info.file_size > 64 * 1024 * 1024:
                continue
            with archive.open(info) as member:
                head = member.read(4096)
            if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                raise BadUpload(
                    _("DOCX part %(part)s declares a DTD or entities, which are refused"),
                    code="docx_dtd",
                    part=info.filename,
                )


def inspect_upload(
    path: str | os.PathLike,
    filename: str,
    *,
    max_unpacked_bytes: int = 200 * 1024 * 1024,
    on_pages: Callable[[int], None] | None = None,
    max_pixels: int | None = None,
    max_frames: int | None = None,
) -> Extracted:
    """Type, text and status of one upload. ``on_pages`` hears a PDF's page
    count before its pages are read (the sandbox scales its budget by it)."""
    media_type = sniff_media_type(path, filename)
    check_extension(media_type, filename)
    encoding = pages = None
    revisions: list[dict] = []
    comments: list[dict] = []
    status = "ok"
    if media_type == MEDIA_PDF:
        raw, pages = read_pdf(path, on_pages)
        if unmapped_share(raw) > UNRELIABLE_SHARE:
            status = "unreliable"
        raw = compatibility_forms(raw)
    elif media_type in IMAGE_TYPES:
        limits = {"max_pixels": max_pixels, "max_frames": max_frames}
        info = inspect_image(_read(path), **{k: v for k, v in limits.items() if v})
        raw, pages = "", info.frames  # the text comes from OCR (app.ocr), if it is on
    elif media_type == MEDIA_DOCX:
        _check_zip_size(path, max_unpacked_bytes)
        content = read_docx(path)
        raw, revisions, comments = content.text, content.tracked_changes, content.comments
    else:
        raw, encoding = decode_text(_read(path))
    text = normalise(raw)
    if not text.strip():
        status = "empty"
    for item in (*revisions, *comments):
        for key, value in item.items():
            if isinstance(value, str):
                item[key] = (
                    normalise(value).strip()
                    if key in ("old", "new", "text", "anchor")
                    else _CONTROLS.sub("", value)
                )
    return Extracted(media_type, text, status, encoding, pages, revisions, comments)
