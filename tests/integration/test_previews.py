"""Previews (issue 19): thumbnails made once per blob in the background and
shown in the document list and search results, the inline viewer on the
version page (PDF pages as images, DOCX as sanitised HTML) with the search
terms highlighted, and the download's permission on every preview."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from sqlalchemy import select

from app.extensions import db
from app.preview.models import Preview
from tests import factories
from tests.files import docx_bytes
from tests.scans import image_bytes

DATA = Path(__file__).resolve().parents[1] / "data"
FIELDS = {"title": "Previewed", "category": "technical", "doc_type": "manual", "department": "RD"}


@pytest.fixture
def author(app):
    return factories.make_user("author", "RD")


@pytest.fixture
def api(app, api_as, author):
    return api_as(author)


@pytest.fixture
def web(app, author):
    client = app.test_client()
    assert (
        client.post(
            "/login", data={"email": author.email, "password": factories.DEFAULT_PASSWORD}
        ).status_code
        == 302
    )
    return client


def _work(runner):
    result = runner.invoke(args=["ocr", "worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def _png(response) -> Image.Image:
    assert response.status_code == 200 and response.mimetype == "image/png"
    return Image.open(io.BytesIO(response.data))


def _yellow(image: Image.Image) -> int:
    import numpy as np

    pixels = np.asarray(image.convert("RGB")).astype(int)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return int(((r > 150) & (g > 120) & (b < r - 60)).sum())


def test_pdf_thumbnail_pages_and_highlight(app, api, web, runner):
    app.config["OCR_ENABLED"] = False  # previews do not need Tesseract
    pdf = (DATA / "pdflatex-4-pages.pdf").read_bytes()
    doc = api.upload("/documents", pdf, "manual.pdf", **FIELDS).json
    base = f"/documents/{doc['id']}/versions/1"
    assert web.get(f"{base}/thumbnail.png").status_code == 404  # not made yet: no broken promise
    assert "thumbnail.png" not in web.get("/documents/").get_data(as_text=True)
    assert "preview " in _work(runner)
    preview = db.session.scalar(select(Preview))
    assert (preview.state, preview.pages, preview.total_pages) == ("done", 4, 4)

    thumb = _png(web.get(f"{base}/thumbnail.png"))
    assert thumb.width <= 240
    assert f"{base}/thumbnail.png" in web.get("/documents/").get_data(as_text=True)
    page = web.get(base).get_data(as_text=True)
    for n in (1, 2, 3, 4):
        assert f"{base}/pages/{n}.png" in page
    plain = _png(web.get(f"{base}/pages/1.png")).convert("RGB")
    word = api.get(f"{base}").json["text"].split()[0]
    marked = _png(web.get(f"{base}/pages/1.png", query_string={"hl": word})).convert("RGB")
    assert plain.size == marked.size
    assert ImageChops.difference(plain, marked).getbbox() is not None  # the word is painted over
    assert _yellow(plain) == 0 and _yellow(marked) > 100  # in yellow
    # Search results show the thumbnail and open the viewer with the terms.
    results = web.get("/search", query_string={"q": word}).get_data(as_text=True)
    assert f"{base}/thumbnail.png" in results
    viewer = web.get(base, query_string={"hl": word}).get_data(as_text=True)
    assert f"{base}/pages/1.png?hl={word}" in viewer


def test_docx_viewer_is_sanitised_html_with_marks(app, api, web, runner):
    app.config["OCR_ENABLED"] = False
    body = docx_bytes(["Torque settings for the X200 housing", "<script>alert(1)</script> keep it safe"])
    doc = api.upload("/documents", body, "spec.docx", **FIELDS).json
    _work(runner)
    base = f"/documents/{doc['id']}/versions/1"
    _png(web.get(f"{base}/thumbnail.png"))
    page = web.get(base, query_string={"hl": "torque"}).get_data(as_text=True)
    viewer = page.split('class="docx-html"', 1)[1].split("</div>", 1)[0]
    assert "<mark>Torque</mark> settings" in viewer
    assert "<script>" not in viewer and "&lt;script&gt;" in viewer


def test_image_preview_is_upright(app, api, web, runner):
    app.config["OCR_ENABLED"] = False
    from tests.scans import photo_with_gps_and_orientation

    doc = api.upload("/documents", photo_with_gps_and_orientation(["upright"]), "photo.jpg", **FIELDS).json
    _work(runner)
    page = _png(web.get(f"/documents/{doc['id']}/versions/1/pages/1.png"))
    assert page.width > page.height  # EXIF orientation applied (stored 620 x 1240)


def test_previews_obey_the_download_permission(app, api, runner, api_as):
    app.config["OCR_ENABLED"] = False
    author = factories.make_user("author", "RD")
    secret = factories.make_document(
        author,
        title="Restricted",
        confidentiality="restricted",
        content=image_bytes(["secret"], "PNG"),
        filename="s.png",
    )
    secret_id, email = secret.id, author.email
    _work(runner)
    base = f"/documents/{secret_id}/versions/1"
    owner = app.test_client()
    owner.post("/login", data={"email": email, "password": factories.DEFAULT_PASSWORD})
    assert owner.get(f"{base}/thumbnail.png").status_code == 200
    outsider = factories.make_user("author", "MKT")
    other = app.test_client()
    other.post("/login", data={"email": outsider.email, "password": factories.DEFAULT_PASSWORD})
    assert other.get(f"{base}/thumbnail.png").status_code == 404
    assert other.get(f"{base}/pages/1.png").status_code == 404
    assert other.get(f"/documents/{secret_id}/versions/1/file").status_code == 404
    assert app.test_client().get(f"{base}/thumbnail.png").status_code == 302  # to the login page


def test_a_file_the_renderer_cannot_read_fails_with_a_reason(app, api, runner):
    app.config["OCR_ENABLED"] = False
    doc = api.upload("/documents", image_bytes(["x"], "PNG"), "x.png", **FIELDS).json
    sha = api.get(f"/documents/{doc['id']}/versions/1").json["sha256"]
    from app.storage import get_store

    path = get_store().path(sha)
    path.chmod(0o600)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)  # the stored file damaged afterwards
    output = _work(runner)
    preview = db.session.scalar(select(Preview))
    assert "failed" in output and preview.state == "failed" and preview.error


def test_the_document_list_reads_its_previews_in_one_query(app, api, web, runner):
    from sqlalchemy import event

    app.config["OCR_ENABLED"] = False
    pdf = (DATA / "pdflatex-4-pages.pdf").read_bytes()
    ids = [
        api.upload("/documents", pdf, f"manual-{n}.pdf", **{**FIELDS, "title": f"Manual {n}"}).json["id"]
        for n in range(4)
    ]
    _work(runner)
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = web.get("/documents/").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    for document_id in ids:  # every row shows its thumbnail...
        assert f"/documents/{document_id}/versions/1/thumbnail.png" in page
    # ...from one query for the whole page, not one per row.
    assert len([s for s in statements if "FROM preview" in s]) == 1
