"""Upload inspection: type from the bytes, text extraction, encodings."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from app.documents.extraction import (
    MEDIA_DOCX,
    MEDIA_MARKDOWN,
    MEDIA_PDF,
    MEDIA_TEXT,
    inspect_upload,
    sniff_media_type,
)
from app.errors import BadUpload, UnsupportedFileType
from tests.files import PNG_BYTES, docx_bytes, image_only_pdf, pdf_bytes

DATA = Path(__file__).resolve().parents[1] / "data"
TRADITIONAL = "產品質量問題分析報告：X200 馬達過熱，客戶投訴三次。說明書需要更新。"
SIMPLIFIED = "产品质量问题分析报告：X200 电机过热，客户投诉三次。说明书需要更新。"


def inspect_bytes(tmp_path, data: bytes, name: str):
    path = tmp_path / "upload"
    path.write_bytes(data)
    return inspect_upload(path, name)


@pytest.mark.parametrize(
    "text, encoding, expected",
    [
        (TRADITIONAL, "utf-8", "utf-8"),
        (TRADITIONAL, "utf-8-sig", "utf-8-sig"),
        (TRADITIONAL, "utf-16", "utf-16"),
        (SIMPLIFIED, "utf-16-be", None),
        (TRADITIONAL, "big5", "big5"),
        (SIMPLIFIED, "gb18030", "gb18030"),
        ("English only, X200 torque 1.5 N·m", "utf-8", "utf-8"),
    ],
)
def test_text_encodings(tmp_path, text, encoding, expected):
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    result = inspect_bytes(tmp_path, data, "notes.txt")
    assert result.media_type == MEDIA_TEXT
    assert result.text == text
    if expected:
        assert result.encoding == expected


def test_big5_and_gb18030_are_told_apart_on_longer_text(tmp_path):
    traditional = (TRADITIONAL + "\n") * 20
    simplified = (SIMPLIFIED + "\n") * 20
    assert inspect_bytes(tmp_path, traditional.encode("big5"), "a.txt").text == traditional.strip("\n")
    assert inspect_bytes(tmp_path, simplified.encode("gb18030"), "b.txt").text == simplified.strip("\n")


def test_markdown_is_decided_by_name_text_by_bytes(tmp_path):
    assert inspect_bytes(tmp_path, b"# Title\n", "readme.md").media_type == MEDIA_MARKDOWN
    assert inspect_bytes(tmp_path, b"# Title\n", "readme.txt").media_type == MEDIA_TEXT
    assert inspect_bytes(tmp_path, pdf_bytes(["hello"]), "readme").media_type == MEDIA_PDF


@pytest.mark.parametrize("name", ["readme.md", "manual.docx", "notes.txt"])
def test_a_name_that_claims_another_type_is_refused(tmp_path, name):
    with pytest.raises(UnsupportedFileType, match=r"the file name ends in \.\w+ but the content is a PDF"):
        inspect_bytes(tmp_path, pdf_bytes(["hello"]), name)


def test_line_endings_and_trailing_space_are_normalised(tmp_path):
    result = inspect_bytes(tmp_path, b"line one   \r\nline two\r\n\r\n\r\n", "a.txt")
    assert result.text == "line one\nline two"


@pytest.mark.parametrize(
    "data, name",
    [
        (PNG_BYTES, "x.pdf"),
        (b"\xd0\xcf\x11\xe0" + bytes(600), "old.doc"),
        (bytes(range(256)) * 8, "data.txt"),
        (b"\x00\x01\x02\x03" * 100, "x.md"),
    ],
)
def test_unsupported_types(tmp_path, data, name):
    with pytest.raises(UnsupportedFileType):
        inspect_bytes(tmp_path, data, name)


def test_zip_that_is_not_a_word_document_is_unsupported(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(UnsupportedFileType, match="XLSX"):
        sniff_media_type(out.getvalue(), "sheet.docx")


def test_docx_paragraphs_tables_headers_and_footers_in_order(tmp_path):
    data = docx_bytes(
        ["第一段：安裝前請關閉電源。", "Second paragraph"],
        table=[["參數", "數值"], ["扭力", "1.5 N·m"]],
        header="研發部 RD-MAN-X200",
        footer="第 1 頁",
    )
    result = inspect_bytes(tmp_path, data, "manual.docx")
    assert result.media_type == MEDIA_DOCX and result.status == "ok"
    lines = result.text.split("\n")
    assert lines == [
        "研發部 RD-MAN-X200",
        "第一段：安裝前請關閉電源。",
        "Second paragraph",
        "參數\t數值",
        "扭力\t1.5 N·m",
        "第 1 頁",
    ]


@pytest.mark.parametrize(
    "lang, text", [("zh-Hant", TRADITIONAL), ("zh-Hans", SIMPLIFIED), ("en", "Motor overheats")]
)
def test_pdf_text_round_trips_in_every_script(tmp_path, lang, text):
    result = inspect_bytes(tmp_path, pdf_bytes([text, "X200 / B2311"], lang=lang), "a.pdf")
    assert result.media_type == MEDIA_PDF and result.pages == 1
    assert text in result.text and "B2311" in result.text


def test_image_only_pdf_is_empty_not_an_error(tmp_path):
    result = inspect_bytes(tmp_path, image_only_pdf(), "scan.pdf")
    assert (result.status, result.text, result.pages) == ("empty", "", 1)


@pytest.mark.parametrize(
    "name, expected, pages",
    [
        ("minimal-document.pdf", "Lorem ipsum dolor sit amet", 1),
        ("pdflatex-4-pages.pdf", "Hello, here is some text without a meaning", 4),
        ("google-doc-document.pdf", "Readability counts.", 1),
    ],
)
def test_real_world_pdfs(name, expected, pages):
    result = inspect_upload(DATA / name, name)
    assert expected in result.text and result.pages == pages


def test_real_world_docx():
    header = inspect_upload(DATA / "hdr-header-footer.docx", "h.docx").text
    assert header.startswith("Header for section-1") and header.endswith("Footer for section 1")
    blocks = inspect_upload(DATA / "blk-paras-and-tables.docx", "b.docx").text
    # The table nested in the cell is read in place (python-docx's cell text lost it).
    assert "Text before\nTable\nBetween\nText after" in blocks and "Lorem ipsum dolor sit amet" in blocks
    assert inspect_upload(DATA / "doc-word-default-blank.docx", "blank.docx").status == "empty"


def test_encrypted_and_truncated_files_name_the_problem(tmp_path):
    with pytest.raises(BadUpload) as encrypted:
        inspect_upload(DATA / "libreoffice-writer-password.pdf", "locked.pdf")
    assert encrypted.value.code == "encrypted_pdf" and "password" in encrypted.value.message
    real = (DATA / "pdflatex-4-pages.pdf").read_bytes()
    with pytest.raises(BadUpload) as truncated:
        inspect_bytes(tmp_path, real[: len(real) // 2], "half.pdf")
    assert truncated.value.code == "corrupt_pdf"
    docx = (DATA / "hdr-header-footer.docx").read_bytes()
    with pytest.raises(BadUpload) as broken:
        inspect_bytes(tmp_path, docx[: len(docx) // 2], "half.docx")
    assert broken.value.code == "corrupt_docx"
