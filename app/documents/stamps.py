"""Controlled-copy stamps on downloaded files, server-side.

Every page of a PDF gets a band at its top and bottom (reportlab draws the
overlay, pypdf merges it): the document number and revision, the state
(EFFECTIVE, OBSOLETE, or DRAFT – NOT FOR USE for anything not yet in force),
who downloaded it and when, and "uncontrolled when printed". A DOCX of a
version that is not effective gets the same text at the top of every
section's header. The stored bytes never change; the original stays
available, unstamped, to the owning department and admins.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.documents.models import DocumentVersion, VersionState

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
STAMP_RED = (0.75, 0.05, 0.05)


def state_word(state: str) -> str:
    if state == VersionState.effective:
        return "EFFECTIVE"
    if state == VersionState.obsolete:
        return "OBSOLETE"
    return "DRAFT \u2013 NOT FOR USE"


@dataclass(frozen=True)
class Stamp:
    label: str  # RD-MAN-0012 Rev C
    state: str
    downloaded_by: str
    downloaded_at: datetime

    @property
    def lines(self) -> tuple[str, str]:
        when = self.downloaded_at.strftime("%Y-%m-%d %H:%M UTC")
        return (
            f"{self.label} \u00b7 {state_word(self.state)} \u00b7 UNCONTROLLED WHEN PRINTED",
            f"Downloaded by {self.downloaded_by} on {when}",
        )

    @property
    def text(self) -> str:
        return " \u00b7 ".join(self.lines)


def stamp_for(version: DocumentVersion, who: str, when: datetime) -> Stamp:
    return Stamp(label=version.label, state=version.state, downloaded_by=who, downloaded_at=when)


def needs_stamp(version: DocumentVersion) -> bool:
    if version.media_type == PDF:
        return True
    return version.media_type == DOCX and version.state != VersionState.effective


def _font_for(text: str) -> str:
    if text.isascii() or all(ord(ch) < 256 for ch in text):
        return "Helvetica"
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def _overlay(width: float, height: float, stamp: Stamp) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=(width, height))
    size = 7 if width >= 400 else 5
    sheet.setFillColorRGB(*STAMP_RED)
    for y, line in ((height - 12, stamp.lines[0]), (height - 12 - size - 2, stamp.lines[1]), (6, stamp.text)):
        sheet.setFont(_font_for(line), size)
        sheet.drawString(10, y, line)
    sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def stamp_pdf(data: bytes, stamp: Stamp) -> bytes:
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        reader.decrypt("")  # only files that open without a password are stored
    writer = PdfWriter(clone_from=reader)
    overlays: dict[tuple[float, float], Any] = {}  # a pypdf PageObject per page size
    for page in writer.pages:
        box = page.mediabox
        key = (float(box.width), float(box.height))
        if key not in overlays:
            overlays[key] = PdfReader(io.BytesIO(_overlay(key[0], key[1], stamp))).pages[0]
        page.merge_transformed_page(overlays[key], _to_box(float(box.left), float(box.bottom)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _to_box(left: float, bottom: float):
    from pypdf import Transformation

    # Drawn along the media box's top and bottom edges (a page shown rotated
    # gets the band along a side edge, still readable).
    return Transformation().translate(left, bottom)


def stamp_docx(data: bytes, stamp: Stamp) -> bytes:
    from docx import Document as WordDocument
    from docx.shared import Pt, RGBColor

    word = WordDocument(io.BytesIO(data))
    for section in word.sections:
        headers = [section.header]
        if section.different_first_page_header_footer:
            headers.append(section.first_page_header)
        if word.settings.odd_and_even_pages_header_footer:
            headers.append(section.even_page_header)
        for header in headers:
            header.is_linked_to_previous = False
            paragraphs = header.paragraphs
            paragraph = paragraphs[0].insert_paragraph_before() if paragraphs else header.add_paragraph()
            run = paragraph.add_run(stamp.text)
            run.bold = True
            run.font.size = Pt(8)
            run.font.color.rgb = RGBColor(0xBF, 0x0D, 0x0D)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def stamped_bytes(version: DocumentVersion, data: bytes, stamp: Stamp) -> bytes:
    if version.media_type == PDF:
        return stamp_pdf(data, stamp)
    return stamp_docx(data, stamp)
