"""Bad uploads get a clear error and leave neither a row nor a blob."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.documents.models import Blob, Document, DocumentVersion
from app.extensions import db
from tests.files import PNG_BYTES, docx_bytes, pdf_bytes
from tests.hostile import docx_zip_bomb

FIELDS = dict(title="Bad input", category="technical", doc_type="spec", product="X200",
              department="RD", change_note="")
CORPUS = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def api(api_as, make_user):
    return api_as(make_user("author", "RD"))


def assert_nothing_kept(app):
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
    assert db.session.scalar(select(func.count()).select_from(DocumentVersion)) == 0
    assert db.session.scalar(select(func.count()).select_from(Blob)) == 0
    storage = Path(app.config["STORAGE_DIR"])
    leftovers = [p for p in storage.rglob("*") if p.is_file()]
    assert leftovers == []


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def test_file_over_the_size_limit_is_413(app, api):
    app.config["MAX_UPLOAD_BYTES"] = 1024
    response = api.upload("/documents", b"x" * 4096, "big.txt", **FIELDS)
    assert response.status_code == 413
    assert "limit" in response.json["error"]["message"]
    assert_nothing_kept(app)


@pytest.mark.parametrize("content, filename", [
    (PNG_BYTES, "picture.pdf"),
    (PNG_BYTES, "picture.docx"),
    (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 4, "setup.txt"),
])
def test_type_is_judged_from_the_bytes_415(app, api, content, filename):
    response = api.upload("/documents", content, filename, **FIELDS)
    assert response.status_code == 415
    assert response.json["error"]["code"] == "unsupported_file_type"
    assert_nothing_kept(app)


def test_a_pdf_named_txt_is_refused_naming_both(app, api):
    response = api.upload("/documents", pdf_bytes(["renamed"]), "renamed.txt", **FIELDS)
    assert response.status_code == 415
    assert response.json["error"]["message"].startswith("the file name ends in .txt but the content is a PDF")
    assert_nothing_kept(app)


def test_a_pdf_without_an_extension_is_taken_as_a_pdf(api):
    response = api.upload("/documents", pdf_bytes(["renamed"]), "renamed", **FIELDS)
    assert response.status_code == 201
    assert response.json["versions"][0]["media_type"] == "application/pdf"


@pytest.mark.parametrize("make_content, filename, code", [
    (lambda: truncated(pdf_bytes(["half of a pdf"] * 40)), "half.pdf", "corrupt_pdf"),
    (lambda: truncated(docx_bytes(["half of a docx"] * 40)), "half.docx", "corrupt_docx"),
    (lambda: (CORPUS / "libreoffice-writer-password.pdf").read_bytes(), "locked.pdf", "encrypted_pdf"),
    (docx_zip_bomb, "bomb.docx", "docx_too_large_unpacked"),
])
def test_unreadable_files_are_refused_naming_the_problem(app, api, make_content, filename, code):
    response = api.upload("/documents", make_content(), filename, **FIELDS)
    assert response.status_code in (400, 422), response.json
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    assert_nothing_kept(app)


def test_bad_new_version_keeps_the_earlier_ones(app, api):
    doc = api.upload("/documents", b"first", "a.txt", **FIELDS).json
    response = api.upload(f"/documents/{doc['id']}/versions", PNG_BYTES, "b.pdf", change_note="x")
    assert response.status_code == 415
    versions = api.get(f"/documents/{doc['id']}").json["versions"]
    assert [v["number"] for v in versions] == [1]
    assert api.get(f"/documents/{doc['id']}/versions/1/file").data == b"first"


def test_image_only_pdf_is_stored_with_a_flag(app, api):
    from tests.files import image_only_pdf

    app.config["OCR_ENABLED"] = False  # with OCR on it waits as "ocr_pending" (tests/integration/test_ocr.py)
    response = api.upload("/documents", image_only_pdf(), "scan.pdf", **FIELDS)
    assert response.status_code == 201
    version = api.get(f"/documents/{response.json['id']}/versions/1").json
    assert version["text"] == "" and version["text_extracted"] is False
    assert version["text_status"] == "empty"


@pytest.mark.parametrize("given, stored", [
    ("../../etc/passwd", "passwd"),
    ("report\x00\x1b[31m.txt", "report[31m.txt"),
    ("  .hidden.txt", "hidden.txt"),
    ("問題分析 報告.txt", "問題分析 報告.txt"),
])
def test_filenames_are_sanitised(api, given, stored):
    response = api.upload("/documents", b"text", given, **FIELDS)
    assert response.status_code == 201
    assert response.json["versions"][0]["filename"] == stored


def test_failed_commit_removes_the_new_blob(app, make_user):
    """A blob written for a transaction that rolls back is deleted again."""
    from app.documents import service
    from tests.factories import text_upload

    author = make_user("author", "RD")
    service.create_document(
        author, service.DocumentFields(title="t", category="technical", doc_type="spec", department="RD"),
        text_upload("bytes that never commit"),
    )
    blob_files = list((Path(app.config["STORAGE_DIR"]) / "blobs").rglob("*.*")) + [
        p for p in (Path(app.config["STORAGE_DIR"]) / "blobs").rglob("*") if p.is_file()]
    assert blob_files  # written before the commit
    db.session.rollback()
    assert_nothing_kept(app)
