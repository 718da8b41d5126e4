"""Real DOCX and PDF files built in tests (python-docx, reportlab)."""

from __future__ import annotations

import io
import zipfile

from docx import Document as DocxDocument
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

_CID_FONTS = {"zh-Hant": "MSung-Light", "zh-Hans": "STSong-Light"}


def docx_bytes(
    paragraphs: list[str], *, table: list[list[str]] | None = None, header: str = "", footer: str = ""
) -> bytes:
    document = DocxDocument()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    section = document.sections[0]
    if header:
        section.header.paragraphs[0].text = header
    if footer:
        section.footer.paragraphs[0].text = footer
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_bytes(lines: list[str], *, lang: str = "en") -> bytes:
    font = _CID_FONTS.get(lang, "Helvetica")
    if font != "Helvetica" and font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    pdf.setFont(font, 12)
    y = 800
    for line in lines:
        pdf.drawString(72, y, line)
        y -= 18
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def image_only_pdf() -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    pdf.rect(100, 100, 300, 300, fill=1)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


_W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_NS = (
    f'{_W_NS} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    'xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml"'
)
_OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def _run(text: str, tag: str = "w:t") -> str:
    return f'<w:r><{tag} xml:space="preserve">{text}</{tag}></w:r>'


def _revision(tag: str, rid: int, author: str, date: str, runs: str) -> str:
    return f'<{tag} w:id="{rid}" w:author="{author}" w:date="{date}">{runs}</{tag}>'


def tracked_changes_docx() -> bytes:
    """A Word document as Word writes one with Track Changes on: an
    insertion, a deletion, a replacement, a moved sentence, a comment (and a
    resolved one), a content control, a simple and a complex field, and a
    table in the header. Real WordprocessingML revision markup (w:ins,
    w:del/w:delText, w:moveFrom/w:moveTo, comments.xml, commentsExtended.xml)."""
    lin, zhang = "Lin Wei", "張工程師"
    body = (
        "<w:p>"
        + _run("Torque the housing bolts to ")
        + _revision("w:del", 1, lin, "2026-03-02T09:15:00Z", _run("12", "w:delText"))
        + _revision("w:ins", 2, lin, "2026-03-02T09:15:00Z", _run("15"))
        + _run(" N·m.")
        + "</w:p>"
        + "<w:p>"
        + _run("Check the seal ")
        + _revision("w:ins", 3, zhang, "2026-03-03T01:20:00Z", _run("gasketreplacement weekly "))
        + _run("before each run.")
        + _revision(
            "w:del", 4, zhang, "2026-03-03T01:21:00Z", _run(" Obsoletewording remains here.", "w:delText")
        )
        + "</w:p>"
        + '<w:p><w:commentRangeStart w:id="0"/>'
        + _run("Drain the coolant first.")
        + '<w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r>'
        + '<w:commentRangeStart w:id="1"/>'
        + _run(" Wear gloves.")
        + '<w:commentRangeEnd w:id="1"/>'
        + '<w:r><w:commentReference w:id="1"/></w:r></w:p>'
        + _revision("w:moveFrom", 5, lin, "2026-03-04T08:00:00Z", _run("Record the serial number.")).join(
            ["<w:p>", "</w:p>"]
        )
        + "<w:p>"
        + _run("Close the cover.")
        + "</w:p>"
        + _revision("w:moveTo", 6, lin, "2026-03-04T08:00:00Z", _run("Record the serial number.")).join(
            ["<w:p>", "</w:p>"]
        )
        + '<w:sdt><w:sdtPr><w:alias w:val="Part number"/></w:sdtPr><w:sdtContent><w:p>'
        + _run("Part number ZX-900 controlled")
        + "</w:p></w:sdtContent></w:sdt>"
        + '<w:p><w:fldSimple w:instr=" DOCPROPERTY Revision ">'
        + _run("RevisionFieldC3")
        + "</w:fldSimple></w:p>"
        + '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText>'
        + '</w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        + _run("PageFieldSeven")
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )
    comments = (
        f"<w:comments {_NS}>"
        f'<w:comment w:id="0" w:author="{zhang}" w:date="2026-03-03T02:00:00Z"><w:p w14:paraId="0A000001">'
        + _run("Which coolant grade?")
        + "</w:p></w:comment>"
        f'<w:comment w:id="1" w:author="{lin}" w:date="2026-03-03T03:00:00Z"><w:p w14:paraId="0A000002">'
        + _run("Nitrile gloves.")
        + "</w:p></w:comment></w:comments>"
    )
    extended = (
        f'<w15:commentsEx {_NS}><w15:commentEx w15:paraId="0A000001" w15:done="0"/>'
        '<w15:commentEx w15:paraId="0A000002" w15:done="1"/></w15:commentsEx>'
    )
    header = (
        f"<w:hdr {_NS}><w:tbl><w:tr><w:tc><w:p>"
        + _run("Doc RD-MAN-77")
        + "</w:p></w:tc><w:tc><w:p>"
        + _run("Rev C")
        + "</w:p></w:tc></w:tr></w:tbl><w:p/></w:hdr>"
    )
    return build_docx(
        body,
        header=header,
        extra_parts={
            "word/comments.xml": (
                "comments",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml",
                comments,
            ),
            "word/commentsExtended.xml": (
                "http://schemas.microsoft.com/office/2011/relationships/commentsExtended",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.commentsExtended+xml",
                extended,
            ),
        },
    )


def build_docx(body_xml: str, *, header: str | None = None, extra_parts: dict | None = None) -> bytes:
    """A DOCX (python-docx's template) whose body is ``body_xml``; ``header``
    replaces the header part; ``extra_parts`` maps a part name to (relationship
    type, content type, XML) and adds it with its relationship."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes(["placeholder"], header="placeholder")))
    extra_parts = extra_parts or {}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                text = data.decode()
                start = text.index("<w:body>") + len("<w:body>")
                data = (text[:start] + body_xml + text[text.index("<w:sectPr") :]).encode()
            elif info.filename == "word/header1.xml" and header is not None:
                data = header.encode()
            elif info.filename == "word/_rels/document.xml.rels":
                rels = "".join(
                    f'<Relationship Id="rIdX{n}" Type="{kind if "://" in kind else _OFFICE_REL + kind}" '
                    f'Target="{name.removeprefix("word/")}"/>'
                    for n, (name, (kind, _ct, _xml)) in enumerate(extra_parts.items())
                )
                data = data.decode().replace("</Relationships>", rels + "</Relationships>").encode()
            elif info.filename == "[Content_Types].xml":
                types = "".join(
                    f'<Override PartName="/{name}" ContentType="{ct}"/>'
                    for name, (_kind, ct, _xml) in extra_parts.items()
                )
                data = data.decode().replace("</Types>", types + "</Types>").encode()
            archive.writestr(info.filename, data)
        for name, (_kind, _ct, xml) in extra_parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml)
    return out.getvalue()


def _raw_pdf(objects: list[bytes]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def unmapped_glyphs_pdf() -> bytes:
    """Text set in a composite (Identity-H) font without a ToUnicode map, as
    some PDF printers write it: the codes are glyph numbers, not characters,
    and a reader that takes them for characters gets a jumble of scripts."""
    content = (
        b"BT /F1 12 Tf 72 700 Td <0E2B0F3A11521F6B03200E2B0F3A11521F6B0320> Tj 0 -20 Td "
        b"<2A1B3C4D0E2B0F3A115203202A1B3C4D0E2B0F3A1152> Tj ET"
    )
    return _raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+SimSun /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+SimSun /CIDSystemInfo << /Registry (Adobe) "
            b"/Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R /DW 1000 >>",
            b"<< /Type /FontDescriptor /FontName /ABCDEF+SimSun /Flags 4 /FontBBox [0 0 1000 1000] /ItalicAngle 0 "
            b"/Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
        ]
    )


def ligature_pdf(lines: list[str]) -> bytes:
    """Lines set in an embedded TrueType font (reportlab's Vera): characters
    such as U+FB01 (fi) reach the PDF as themselves, as TeX and InDesign
    ligatures do."""
    import os

    import reportlab
    from reportlab.pdfbase.ttfonts import TTFont

    if "Vera" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(
            TTFont("Vera", os.path.join(os.path.dirname(reportlab.__file__), "fonts", "Vera.ttf"))
        )
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    pdf.setFont("Vera", 12)
    for index, line in enumerate(lines):
        pdf.drawString(72, 800 - 18 * index, line)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def many_pages_pdf(pages: int, words_per_page: int = 300) -> bytes:
    """A long text PDF (a manual of ``pages`` pages), quick to build."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1, pageCompression=1)
    line = " ".join(f"torque{n % 97} housing seal procedure" for n in range(words_per_page // 40))
    for number in range(pages):
        pdf.setFont("Helvetica", 9)
        pdf.drawString(72, 810, f"Page {number + 1} section {number // 10}")
        for row in range(40):
            pdf.drawString(40, 790 - 19 * row, line)
        pdf.showPage()
    pdf.save()
    return out.getvalue()
