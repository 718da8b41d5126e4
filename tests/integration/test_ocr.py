"""OCR of scanned PDFs (issue 19): stored at once as "OCR pending", read by
``flask ocr worker``, found by Traditional and Simplified queries with the
page number; a worker killed mid-job loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.documents.models import DocumentVersion
from app.extensions import db
from app.ocr import engine
from app.ocr.models import OcrJob
from tests import factories
from tests.scans import needs_tesseract, scanned_pdf

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {"title": "進料檢驗 scan", "category": "quality", "doc_type": "inspection_report", "department": "QA"}
PAGE_1 = ["Incoming inspection sheet", "Supplier: Acme Fasteners"]
PAGE_2 = ["進料檢驗記錄 第三批", "螺絲扭力測試合格"]


@pytest.fixture
def author(app):
    return factories.make_user("author", "QA")


@pytest.fixture
def api(app, api_as, author):
    return api_as(author)


@pytest.fixture
def web(app, author):
    """A second browser-like client, logged in through the form as the author."""
    client = app.test_client()
    response = client.post("/login", data={"email": author.email, "password": factories.DEFAULT_PASSWORD})
    assert response.status_code == 302
    return client


def _version(document_id: int) -> DocumentVersion:
    db.session.rollback()  # what the worker (another session or process) committed
    return db.session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == document_id))


@needs_tesseract
def test_scanned_pdf_is_read_by_the_worker_and_found_with_its_page(app, api, runner, web):
    response = api.upload("/documents", scanned_pdf([PAGE_1, PAGE_2]), "scan.pdf", **FIELDS)
    assert response.status_code == 201, response.json
    doc_id = response.json["id"]
    version = api.get(f"/documents/{doc_id}/versions/1").json
    assert version["text_status"] == "ocr_pending" and version["text"] == ""
    page = web.get(f"/documents/{doc_id}/versions/1")
    assert "OCR pending" in page.get_data(as_text=True)
    # Not searchable before the worker ran.
    early = api.get("/search", query_string={"q": "螺絲扭力"})
    assert early.status_code == 200, early.json
    assert early.json["total"] == 0

    result = runner.invoke(args=["ocr", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 jobs processed" in result.output

    version = api.get(f"/documents/{doc_id}/versions/1").json
    assert version["text_status"] == "ok"
    pages = version["text"].split(engine.PAGE_BREAK)
    assert len(pages) == 2
    assert "Acme" in pages[0] and "螺絲扭力" in pages[1]

    for query in ("進料檢驗記錄", "进料检验记录", "螺丝扭力"):  # Traditional, Simplified
        found = api.get("/search", query_string={"q": query}).json
        assert [(i["id"], i["pages"]) for i in found["items"]] == [(doc_id, [2])], query
    assert api.get("/search", query_string={"q": "Acme"}).json["items"][0]["pages"] == [1]

    html = web.get("/search", query_string={"q": "进料检验记录"}).get_data(as_text=True)
    assert "page 2" in html and "#page-2" in html
    viewer = web.get(f"/documents/{doc_id}/versions/1", query_string={"hl": "螺丝扭力"})
    body = viewer.get_data(as_text=True)
    assert 'id="page-2"' in body and "Page 2" in body and "<mark>螺絲扭力</mark>" in body


def test_without_ocr_a_scan_is_stored_flagged_empty(app, api, runner):
    app.config["OCR_ENABLED"] = False
    response = api.upload("/documents", scanned_pdf([PAGE_1]), "scan.pdf", **FIELDS)
    assert response.status_code == 201
    version = api.get(f"/documents/{response.json['id']}/versions/1").json
    assert version["text_status"] == "empty"
    assert db.session.scalar(select(OcrJob)) is None
    result = runner.invoke(args=["ocr", "worker", "--once"])
    assert result.exit_code == 0 and "OCR is off" in result.output and "0 jobs processed" in result.output


def test_missing_tesseract_turns_ocr_off_and_says_so(app, api, api_as, client, login):
    app.config["OCR_TESSERACT"] = "/nonexistent/tesseract"
    response = api.upload("/documents", scanned_pdf([PAGE_1]), "scan.pdf", **FIELDS)
    assert response.status_code == 201  # the upload still works
    assert api.get(f"/documents/{response.json['id']}/versions/1").json["text_status"] == "empty"
    admin = factories.make_user("admin", "QA")
    health = api_as(admin).get("/health").json
    assert health["status"] == "ok"
    assert health["ocr"] == "unavailable" and "not installed" in health["ocr_reason"]
    login(admin)
    page = client.get("/admin/ocr").get_data(as_text=True)
    assert "OCR is unavailable" in page and "not installed" in page


def _env(app, lease_s: int) -> dict:
    return {**os.environ, "DOCTRACK_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "DOCTRACK_INSTANCE_DIR": app.config["INSTANCE_DIR"], "DOCTRACK_STORAGE_DIR": app.config["STORAGE_DIR"],
            "DOCTRACK_SECRET_KEY": "test-secret", "DOCTRACK_OCR_LEASE_S": str(lease_s)}


def _job() -> OcrJob:
    db.session.rollback()
    job = db.session.scalar(select(OcrJob))
    assert job is not None
    return job


@needs_tesseract
@pytest.mark.slow
def test_worker_killed_mid_job_resumes_and_completes(app, api):
    pages = [[f"Page {n} of the delivery note", f"交貨單 第{n}頁 批號 A{n}0{n}"] for n in (1, 2, 3)]
    doc_id = api.upload("/documents", scanned_pdf(pages), "delivery.pdf", **FIELDS).json["id"]
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "ocr", "worker", "--interval", "0.2"],
                              cwd=ROOT, env=_env(app, lease_s=3), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            job = _job()
            if job.state == "running" and len(job.page_texts or []) >= 1:
                break
            assert worker.poll() is None, "the worker stopped by itself"
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    job = _job()
    assert job.state == "running" and 1 <= len(job.page_texts) < 3, "the kill should land mid-job"
    read_before = list(job.page_texts)
    assert _version(doc_id).text_status == "ocr_pending"

    time.sleep(3.5)  # the dead worker's lease runs out
    rerun = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "ocr", "worker", "--once"],
                           cwd=ROOT, env=_env(app, lease_s=600), capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    job = _job()
    assert job.state == "done" and job.attempts == 2 and job.page_texts[: len(read_before)] == read_before
    version = _version(doc_id)
    assert version.text_status == "ok"
    texts = version.text.split(engine.PAGE_BREAK)
    assert len(texts) == 3
    for n, text in enumerate(texts, start=1):
        assert f"Page {n}" in text and f"A{n}0{n}" in text


@needs_tesseract
def test_a_job_that_cannot_be_done_fails_with_a_reason_and_can_be_retried(app, api, api_as, runner, web, login,
                                                                          client):
    app.config["OCR_MAX_PAGES"] = 1
    doc_id = api.upload("/documents", scanned_pdf([PAGE_1, PAGE_2]), "scan.pdf", **FIELDS).json["id"]
    result = runner.invoke(args=["ocr", "worker", "--once"])
    assert result.exit_code == 0 and "failed" in result.output
    job = _job()
    assert job.state == "failed" and "2 pages, more than the 1" in job.error
    assert _version(doc_id).text_status == "ocr_failed"
    page = web.get(f"/documents/{doc_id}/versions/1").get_data(as_text=True)
    assert "OCR failed" in page and "2 pages, more than the 1" in page
    admin = factories.make_user("admin", "QA")
    assert api_as(admin).get("/health").json["ocr_failed"] == 1
    login(admin)
    assert "2 pages, more than the 1" in client.get("/admin/ocr").get_data(as_text=True)
    assert client.post(f"/admin/ocr/{job.id}/retry").status_code == 302
    assert _job().state == "pending" and _version(doc_id).text_status == "ocr_pending"
    app.config["OCR_MAX_PAGES"] = 500
    assert runner.invoke(args=["ocr", "worker", "--once"]).exit_code == 0
    assert _job().state == "done" and _version(doc_id).text_status == "ok"
