"""Upload inspection: judge the type from the bytes, validate, extract text.

Pure module (no Flask, no database). Raises UnsupportedFileType (415) for
bytes that are not DOCX, PDF, Markdown or text, and BadUpload (422) with a
code naming the problem for files of a supported type that cannot be read.
"""

from __future__ import annotations

import io
import logging
import os
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from app.errors import BadUpload, UnsupportedFileType

MEDIA_PDF = "application/pdf"
MEDIA_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA_MARKDOWN = "text/markdown"
MEDIA_TEXT = "text/plain"
ALLOWED_MEDIA_TYPES = (MEDIA_PDF, MEDIA_DOCX, MEDIA_MARKDOWN, MEDIA_TEXT)
MARKDOWN_SUFFIXES = (".md", ".markdown")
MAX_COMPRESSION_RATIO = 200  # real DOCX XML compresses 5-20x; bombs 1000x+

_MAGIC = [
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "a legacy Office (OLE) file, e.g. .doc or .xls"), (b"MZ", "a Windows executable"),
    (b"\x7fELF", "an executable"), (b"Rar!", "a RAR archive"), (b"\x1f\x8b", "a gzip archive"),
]


@dataclass(frozen=True)
class Extracted:
    media_type: str
    text: str
    status: str  # "ok" | "empty"
    encoding: str | None
    pages: int | None


def _read(path_or_bytes) -> bytes:
    if isinstance(path_or_bytes, (bytes, bytearray)):
        return bytes(path_or_bytes)
    return Path(path_or_bytes).read_bytes()


def sniff_media_type(path_or_bytes, filename: str) -> str:
    data = _read(path_or_bytes)
    head = data[:1024]
    if b"%PDF-" in head:
        return MEDIA_PDF
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _sniff_zip(data)
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise UnsupportedFileType(f"unsupported file type: this looks like {what}; "
                                      "upload DOCX, PDF, Markdown or plain text")
    decode_text(data)  # raises UnsupportedFileType for binary data
    return MEDIA_MARKDOWN if filename.lower().endswith(MARKDOWN_SUFFIXES) else MEDIA_TEXT


_NAMED_TYPES = {".pdf": MEDIA_PDF, ".docx": MEDIA_DOCX, ".md": MEDIA_MARKDOWN, ".markdown": MEDIA_MARKDOWN,
                ".txt": MEDIA_TEXT, ".text": MEDIA_TEXT}
_TYPE_NAMES = {MEDIA_PDF: "a PDF", MEDIA_DOCX: "a DOCX document", MEDIA_MARKDOWN: "text", MEDIA_TEXT: "text"}


def check_extension(media_type: str, filename: str) -> None:
    """Refuse a file whose name claims another supported type than its bytes
    (a PDF named .docx, a DOCX named .txt): the name would mislead readers."""
    suffix = os.path.splitext(filename.lower())[1]
    claimed = _NAMED_TYPES.get(suffix)
    if claimed is None or claimed == media_type or {claimed, media_type} <= {MEDIA_TEXT, MEDIA_MARKDOWN}:
        return
    raise UnsupportedFileType(f"the file name ends in {suffix} but the content is {_TYPE_NAMES[media_type]}; "
                              "rename the file or upload the right one")


def _sniff_zip(data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise BadUpload(f"corrupt DOCX: the ZIP container cannot be read ({exc})", code="corrupt_docx") from None
    if "word/document.xml" in names:
        return MEDIA_DOCX
    kind = "a spreadsheet (XLSX)" if "xl/workbook.xml" in names else (
        "a presentation (PPTX)" if "ppt/presentation.xml" in names else "a ZIP archive")
    raise UnsupportedFileType(f"unsupported file type: this looks like {kind}; "
                              "upload DOCX, PDF, Markdown or plain text")


# Text ----------------------------------------------------------------------

def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return b"\x00" in sample or controls > len(sample) * 0.05


def _cjk_score(text: str, common: str) -> int:
    return sum(1 for ch in text if ch in common)


# Frequent characters that differ between the scripts decide Big5 vs GB18030
# when both decodings succeed.
_TRADITIONAL_COMMON = "的是不了人我在有他這中大來上個國到說們為子和你地出道也時年得就那要下以生會自著去之過家學對可她裡後小麼心多天而能好都然沒日於起還發成事只作當想看文無開手十用主行方又如前所本見經頭面公同三已老從動兩長產品質問題說書應設計報告測試"
_SIMPLIFIED_COMMON = "的是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长产品质问题说书应设计报告测试"


def decode_text(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise BadUpload("text file with a UTF-16 mark cannot be decoded", code="bad_encoding") from None
    if _looks_binary(data):
        raise UnsupportedFileType("unsupported file type: binary data that is not DOCX or PDF")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for encoding in ("big5", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        common = _TRADITIONAL_COMMON if encoding == "big5" else _SIMPLIFIED_COMMON
        candidates.append((_cjk_score(text, common), encoding == "gb18030", text, encoding))
    if not candidates:
        raise UnsupportedFileType("unsupported file type: text in an unknown encoding "
                                  "(use UTF-8, UTF-16, Big5 or GB18030)")
    # Highest score wins; on a tie prefer GB18030, the superset encoding.
    _score, _pref, text, encoding = max(candidates)
    return text, encoding


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


# DOCX ----------------------------------------------------------------------

def _check_zip_size(path, max_unpacked_bytes: int) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            bad = archive.testzip() if len(infos) < 2000 else None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise BadUpload(f"corrupt DOCX: the ZIP container cannot be read ({exc})", code="corrupt_docx") from None
    if bad is not None:
        raise BadUpload(f"corrupt DOCX: member {bad} fails its checksum", code="corrupt_docx")
    _refuse_doctype(path, infos)
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if unpacked > max_unpacked_bytes or unpacked / packed > MAX_COMPRESSION_RATIO and unpacked > 10_000_000:
        raise BadUpload(
            f"DOCX unpacks to {unpacked // (1024 * 1024)} MB, over the {max_unpacked_bytes // (1024 * 1024)} MB "
            "limit (possible zip bomb)", code="docx_too_large_unpacked")


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
                raise BadUpload(f"DOCX part {info.filename} declares a DTD or entities, which are refused",
                                code="docx_dtd")


def _docx_text(path) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds
        raise BadUpload(f"corrupt DOCX: {exc}", code="corrupt_docx") from None

    def blocks(container):
        for child in container.element.body.iterchildren() if hasattr(container.element, "body") else container._element.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                yield Paragraph(child, container).text
            elif tag == "tbl":
                for row in Table(child, container).rows:
                    yield "\t".join(cell.text for cell in row.cells)

    parts: list[str] = []
    seen: set[str] = set()
    for section in document.sections:
        for part in (section.header, section.first_page_header):
            text = "\n".join(p.text for p in part.paragraphs).strip()
            if text and text not in seen:
                seen.add(text)
                parts.append(text)
    parts.extend(blocks(document))
    for section in document.sections:
        for part in (section.footer, section.first_page_footer):
            text = "\n".join(p.text for p in part.paragraphs).strip()
            if text and text not in seen:
                seen.add(text)
                parts.append(text)
    return "\n".join(parts)


# PDF -----------------------------------------------------------------------

def _pdf_text(path) -> tuple[str, int]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    data = Path(path).read_bytes()
    if b"%%EOF" not in data[-2048:]:
        raise BadUpload("corrupt PDF: the file is truncated (no end-of-file marker)", code="corrupt_pdf")
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise BadUpload("PDF is password-protected; upload an unencrypted copy", code="encrypted_pdf")
            pages = []
            for number, page in enumerate(reader.pages, start=1):
                text = page.extract_text() or ""
                if not text.strip():
                    _check_page_streams(page, number)
                pages.append(text)
    except BadUpload:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise BadUpload(f"corrupt PDF: {exc}", code="corrupt_pdf") from None
    if not pages:
        raise BadUpload("corrupt PDF: no pages", code="corrupt_pdf")
    return "\n\n".join(pages), len(pages)


def _check_page_streams(page, number: int) -> None:
    """pypdf (non-strict) returns no text for a page whose content stream
    hits its decompression limit; tell that PDF bomb apart from a scan."""
    from pypdf.errors import LimitReachedError

    try:
        contents = page.get_contents()
        if contents is not None:
            contents.get_data()
    except LimitReachedError:
        raise BadUpload(f"PDF page {number} has a content stream that inflates past pypdf's limit "
                        "(possible PDF bomb)", code="pdf_too_large_unpacked") from None


def inspect_upload(path: str | os.PathLike, filename: str, *,
                   max_unpacked_bytes: int = 200 * 1024 * 1024) -> Extracted:
    media_type = sniff_media_type(path, filename)
    check_extension(media_type, filename)
    encoding = pages = None
    if media_type == MEDIA_PDF:
        raw, pages = _pdf_text(path)
    elif media_type == MEDIA_DOCX:
        _check_zip_size(path, max_unpacked_bytes)
        raw = _docx_text(path)
    else:
        raw, encoding = decode_text(_read(path))
    text = normalise(raw)
    return Extracted(media_type, text, "ok" if text.strip() else "empty", encoding, pages)
