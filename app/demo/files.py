"""Real DOCX, PDF and Markdown files for the demo data set.

PDFs embed Chinese with reportlab's CID fonts (MSung-Light for Traditional,
STSong-Light for Simplified), whose text pypdf maps back to Unicode.
"""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document as DocxDocument
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FIXED_DATE = datetime(2026, 1, 5, 9, 0, 0)
_PDF_FONTS = {"zh-Hant": "MSung-Light", "zh-Hans": "STSong-Light", "en": "Helvetica"}


def make_docx(title: str, blocks: list, *, header: str = "", footer: str = "") -> bytes:
    document = DocxDocument()
    document.core_properties.title = title
    document.core_properties.created = FIXED_DATE
    document.core_properties.modified = FIXED_DATE
    document.add_heading(title, level=0)
    for block in blocks:
        if isinstance(block, tuple):
            level = 1 if block[0] == "h1" else 2
            document.add_heading(block[1], level=level)
        elif isinstance(block, list):
            table = document.add_table(rows=len(block), cols=len(block[0]))
            table.style = "Table Grid"
            for r, row in enumerate(block):
                for c, value in enumerate(row):
                    table.cell(r, c).text = str(value)
        else:
            document.add_paragraph(block)
    section = document.sections[0]
    if header:
        section.header.paragraphs[0].text = header
    if footer:
        section.footer.paragraphs[0].text = footer
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _font(lang: str) -> str:
    name = _PDF_FONTS.get(lang, "Helvetica")
    if name != "Helvetica" and name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(name))
    return name


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy wrap; CJK text may break between any two characters."""
    lines, current = [], ""
    for token in _wrap_tokens(text):
        candidate = current + token
        if current and pdfmetrics.stringWidth(candidate, font, size) > width:
            lines.append(current.rstrip())
            current = token.lstrip()
        else:
            current = candidate
    if current:
        lines.append(current.rstrip())
    return lines or [""]


def _wrap_tokens(text: str) -> list[str]:
    tokens, word = [], ""
    for ch in text:
        if ord(ch) > 0x2E80:  # CJK: every character may start a line
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        elif ch == " ":
            tokens.append(word + " ")
            word = ""
        else:
            word += ch
    if word:
        tokens.append(word)
    return tokens


def make_pdf(title: str, blocks: list, *, lang: str) -> bytes:
    font = _font(lang)
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    pdf.setTitle(title)
    width, height = A4
    margin, y = 56, height - 56

    def line(text: str, size: float, gap: float) -> None:
        nonlocal y
        for part in _wrap(text, font, size, width - 2 * margin):
            if y < margin:
                pdf.showPage()
                y = height - margin
            pdf.setFont(font, size)
            pdf.drawString(margin, y, part)
            y -= size * 1.5
        y -= gap

    line(title, 16, 8)
    for block in blocks:
        if isinstance(block, tuple):
            line(block[1], 13, 4)
        elif isinstance(block, list):
            for row in block:
                line("    ".join(str(cell) for cell in row), 10.5, 0)
            y -= 6
        else:
            line(block, 10.5, 6)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def make_markdown(title: str, blocks: list) -> bytes:
    parts = [f"# {title}", ""]
    for block in blocks:
        if isinstance(block, tuple):
            parts += [("## " if block[0] == "h1" else "### ") + block[1], ""]
        elif isinstance(block, list):
            header, *rows = block
            parts.append("| " + " | ".join(header) + " |")
            parts.append("|" + "---|" * len(header))
            parts += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
            parts.append("")
        else:
            parts += [block, ""]
    return "\n".join(parts).encode("utf-8")
