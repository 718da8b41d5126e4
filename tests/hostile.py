"""A corpus of hostile uploads, built in code so it is reproducible.

Each entry is (name, filename, bytes-maker). Every one must be refused with
a clear 4xx, quickly, without memory blow-up and without storing anything.
"""

from __future__ import annotations

import io
import random
import zipfile
import zlib
from pathlib import Path

from tests.files import PNG_BYTES, docx_bytes, pdf_bytes

CORPUS = Path(__file__).resolve().parent / "data"


def _pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A syntactically complete PDF (header, objects, xref, trailer, %%EOF)."""
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
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref))
    return out.getvalue()


def truncated_pdf() -> bytes:
    data = (CORPUS / "pdflatex-4-pages.pdf").read_bytes()
    return data[: len(data) * 6 // 10]


def garbage_pdf() -> bytes:
    rng = random.Random(8)
    return b"%PDF-1.4\n" + bytes(rng.getrandbits(8) for _ in range(200_000)) + b"\n%%EOF\n"


def recursive_page_tree_pdf() -> bytes:
    """The page tree's Kids point back at itself: a naive walk never ends."""
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Parent 2 0 R /Count 1 >>",
    ])


def deeply_nested_pdf() -> bytes:
    """An object of 200,000 nested arrays: recursion bombs in parsers."""
    nested = b"[" * 200_000 + b"]" * 200_000
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Junk " + nested + b" >>",
        b"<< /Length 0 >>\nstream\n\nendstream",
    ])


def huge_stream_pdf(unpacked_mb: int = 400) -> bytes:
    """A page whose content stream inflates to hundreds of MB (a PDF bomb)."""
    packer = zlib.compressobj(9)
    chunk = b"0 0 m 1 1 l S\n" * 4096
    packed = bytearray()
    for _ in range(unpacked_mb * 1024 * 1024 // len(chunk)):
        packed += packer.compress(chunk)
    packed += packer.flush()
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + bytes(packed) + b"\nendstream",
    ])


def encrypted_pdf() -> bytes:
    return (CORPUS / "libreoffice-writer-password.pdf").read_bytes()


def _docx_with_document_xml(document_xml: bytes) -> bytes:
    """A real DOCX (python-docx) with word/document.xml replaced."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes(["placeholder"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = document_xml if info.filename == "word/document.xml" else source.read(info)
            archive.writestr(info.filename, data)
    return out.getvalue()


_W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx_external_entity() -> bytes:
    """XXE: an external entity that would pull /etc/passwd into the text."""
    return _docx_with_document_xml(
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        b"<w:document " + _W + b"><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>")


def docx_billion_laughs() -> bytes:
    entities = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10))
    return _docx_with_document_xml(
        b'<?xml version="1.0"?>\n<!DOCTYPE w:document [' + entities + b"]>\n"
        b"<w:document " + _W + b"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>")


def docx_zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        chunk = b"<w:t>" + b"A" * (1024 * 1024) + b"</w:t>"
        with archive.open("word/document.xml", "w", force_zip64=True) as entry:
            for _ in range(300):  # 300 MB unpacked, a few hundred KB packed
                entry.write(chunk)
    return out.getvalue()


def docx_garbage_members() -> bytes:
    """A ZIP with the DOCX member names whose XML is not XML."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", b"\x00\xff not xml")
        archive.writestr("word/document.xml", b"<w:document><unclosed")
    return out.getvalue()


HOSTILE = [
    ("truncated PDF", "report.pdf", truncated_pdf),
    ("garbage after a PDF header", "report.pdf", garbage_pdf),
    ("PDF with a recursive page tree", "report.pdf", recursive_page_tree_pdf),
    ("PDF with 200,000 nested arrays", "report.pdf", deeply_nested_pdf),
    ("PDF whose stream inflates to 400 MB", "report.pdf", huge_stream_pdf),
    ("encrypted PDF", "report.pdf", encrypted_pdf),
    ("DOCX zip bomb (300 MB unpacked)", "manual.docx", docx_zip_bomb),
    ("DOCX with an external XML entity", "manual.docx", docx_external_entity),
    ("DOCX with a billion-laughs DTD", "manual.docx", docx_billion_laughs),
    ("DOCX whose parts are not XML", "manual.docx", docx_garbage_members),
    ("PDF named .docx", "manual.docx", lambda: pdf_bytes(["a pdf"])),
    ("DOCX named .pdf", "manual.pdf", lambda: docx_bytes(["a docx"])),
    ("PNG named .txt", "notes.txt", lambda: PNG_BYTES),
    ("zero-byte file", "empty.txt", lambda: b""),
]
