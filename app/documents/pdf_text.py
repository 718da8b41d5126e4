"""The text of a PDF: pages, then filled form fields.

Opens PDFs encrypted with an empty user password (they open in any viewer;
AES needs the ``cryptography`` package), refuses those that need a real
password, tolerates bytes after the last %%EOF, and tells how many pages
there are before reading them so the caller can scale its time budget.
pypdf reads the built-in encoding of compact (CFF) Type 1 fonts, which TeX
documents use for their mathematics, only with ``fonttools`` installed
(pinned): without it Greek letters and symbols of those fonts were lost.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Callable
from pathlib import Path

from app.errors import BadUpload


def _(message: str) -> str:  # marks a message for the catalogue; translated when shown
    return message


def _open(data: bytes):
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except DependencyError:
            raise BadUpload(
                _("this PDF is encrypted with a method the server cannot open; upload an unencrypted copy"),
                code="encrypted_pdf",
            ) from None
        except (FileNotDecryptedError, PyPdfError, ValueError, KeyError):
            opened = None
        if not opened:
            raise BadUpload(
                _("the PDF is protected by a password; upload a copy without the password"),
                code="encrypted_pdf",
            )
    return reader


def _form_values(reader) -> list[str]:
    """Values typed into AcroForm fields (text and choices, not check marks)."""
    try:
        fields = reader.get_fields() or {}
    except Exception:  # noqa: BLE001 - a broken form must not cost the page text
        return []
    values = []
    for field in fields.values():
        value = field.get("/V")
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if value is None or type(value).__name__ == "NameObject":
            continue
        value = str(value).strip()
        if value and value not in values:
            values.append(value)
    return values


def read_pdf(path, on_pages: Callable[[int], None] | None = None) -> tuple[str, int]:
    from pypdf.errors import DependencyError, PyPdfError

    data = Path(path).read_bytes()
    end = data.rfind(b"%%EOF")
    if end < 0:
        raise BadUpload(_("corrupt PDF: the file is truncated (no end-of-file marker)"), code="corrupt_pdf")
    data = (
        data[: end + 5] + b"\n"
    )  # bytes after the last %%EOF (mail gateways, download tools) are not the PDF
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = _open(data)
            count = len(reader.pages)
            if on_pages is not None:
                on_pages(count)
            pages = []
            for number, page in enumerate(reader.pages, start=1):
                text = page.extract_text() or ""
                if not text.strip():
                    _check_page_streams(page, number)
                pages.append(text)
            fields = _form_values(reader)
    except BadUpload:
        raise
    except DependencyError:
        raise BadUpload(
            _("this PDF is encrypted with a method the server cannot open; upload an unencrypted copy"),
            code="encrypted_pdf",
        ) from None
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, AttributeError) as exc:
        raise BadUpload(_("corrupt PDF: %(detail)s"), code="corrupt_pdf", detail=str(exc)) from None
    if not pages:
        raise BadUpload(_("corrupt PDF: no pages"), code="corrupt_pdf")
    if fields:
        pages.append("\n".join(fields))
    return "\n\n".join(pages), count


def _check_page_streams(page, number: int) -> None:
    """pypdf (non-strict) returns no text for a page whose content stream
    hits its decompression limit; tell that PDF bomb apart from a scan."""
    from pypdf.errors import LimitReachedError

    try:
        contents = page.get_contents()
        if contents is not None:
            contents.get_data()
    except LimitReachedError:
        raise BadUpload(
            _(
                "PDF page %(number)s has a content stream that inflates past the reader's limit "
                "(possible PDF bomb)"
            ),
            code="pdf_too_large_unpacked",
            number=number,
        ) from None
