"""Images as documents and as attachments of problem reports (issue 19):
hostile images refused with a 4xx naming the problem, EXIF orientation
honoured, GPS removed on request, a photo on a report found by its text."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.documents import images
from tests import factories
from tests.scans import (
    image_bytes,
    many_page_tiff,
    needs_tesseract,
    photo_with_gps_and_orientation,
    png_bomb,
)

FIELDS = {"title": "Defect photos", "category": "quality", "doc_type": "inspection_report", "department": "QA"}
REPORT = {"title": "Cracked housing", "phenomenon": "housing cracked at the hinge", "source": "internal"}


@pytest.fixture
def author(app):
    return factories.make_user("author", "QA")


@pytest.fixture
def api(app, api_as, author):
    return api_as(author)


def _attach(api, issue_id: int, data: bytes, filename: str, **form):
    return api.upload(f"/issues/{issue_id}/attachments", data, filename, **form)


@pytest.mark.parametrize("make, filename, code", [
    (png_bomb, "bomb.png", "image_too_large"),
    (lambda: image_bytes(["truncated"], "JPEG")[:2000], "cut.jpg", "corrupt_image"),
    (many_page_tiff, "pages.tiff", "image_too_many_pages"),
])
def test_hostile_images_are_refused_as_documents_and_attachments(app, api, make, filename, code):
    data = make()
    response = api.upload("/documents", data, filename, **FIELDS)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == code
    issue = api.post("/issues", json=REPORT).json
    response = _attach(api, issue["id"], data, filename)
    assert response.status_code == 422 and response.json["error"]["code"] == code
    assert api.get(f"/issues/{issue['id']}/attachments").json["items"] == []
    # The service still answers.
    assert api.upload("/documents", b"still fine", "ok.txt", **FIELDS).status_code == 201


def test_images_are_document_files(app, api):
    app.config["OCR_ENABLED"] = False
    for fmt, name, media in (("PNG", "a.png", "image/png"), ("JPEG", "b.jpg", "image/jpeg"),
                             ("TIFF", "c.tif", "image/tiff")):
        response = api.upload("/documents", image_bytes(["hello"], fmt), name, **FIELDS)
        assert response.status_code == 201, response.json
        version = api.get(f"/documents/{response.json['id']}/versions/1").json
        assert version["media_type"] == media and version["text_status"] == "empty"
    # A PNG named .jpg still says what it is.
    response = api.upload("/documents", image_bytes(["x"], "PNG"), "photo.jpg", **FIELDS)
    assert response.status_code == 415


def test_exif_orientation_is_honoured():
    photo = photo_with_gps_and_orientation(["upright"])
    stored = Image.open(io.BytesIO(photo))
    assert stored.size == (620, 1240)  # on its side as written
    [(_, page)] = list(images.frames(photo))
    assert page.size == (1240, 620)  # upright for OCR and previews


def test_gps_is_removed_on_request_and_the_picture_kept(app, api):
    photo = photo_with_gps_and_orientation(["defect"])
    assert images.has_gps(photo)
    issue = api.post("/issues", json=REPORT).json
    kept = _attach(api, issue["id"], photo, "with-gps.jpg").json
    removed = _attach(api, issue["id"], photo, "no-gps.jpg", remove_gps="true").json
    assert kept["gps_removed"] is False and removed["gps_removed"] is True
    assert removed["sha256"] != kept["sha256"]
    got = api.get(f"/issues/{issue['id']}/attachments/{removed['id']}/file").data
    assert not images.has_gps(got) and images.has_gps(
        api.get(f"/issues/{issue['id']}/attachments/{kept['id']}/file").data)
    # The compressed picture is untouched, and the orientation is still there.
    assert Image.open(io.BytesIO(got)).tobytes() == Image.open(io.BytesIO(photo)).tobytes()
    assert Image.open(io.BytesIO(got)).getexif().get(0x0112) == 6


def test_attachments_limits_and_permissions(app, api, api_as):
    app.config["ATTACHMENT_MAX_BYTES"] = 50_000
    issue = api.post("/issues", json=REPORT).json
    first = _attach(api, issue["id"], b"measurement log\n", "log.txt")
    second = _attach(api, issue["id"], image_bytes(["x"], "PNG"), "p.png")
    assert first.status_code == 201 and second.status_code == 201
    import hashlib

    assert first.json["sha256"] == hashlib.sha256(b"measurement log\n").hexdigest()
    assert len(api.get(f"/issues/{issue['id']}/attachments").json["items"]) == 2
    too_big = _attach(api, issue["id"], b"x" * 60_000, "big.txt")
    assert too_big.status_code == 413
    # Anyone who may read the report may download; someone not on it may not attach.
    reader = api_as(factories.make_user("author", "RD"))
    download = reader.get(f"/issues/{issue['id']}/attachments/{first.json['id']}/file")
    assert download.status_code == 200 and download.data == b"measurement log\n"
    assert _attach(reader, issue["id"], b"x", "x.txt").status_code == 403
    assert reader.get(f"/issues/{issue['id']}/attachments/999/file").status_code == 404
    assert api.get(f"/issues/{issue['id'] + 1}/attachments/{first.json['id']}/file").status_code == 404


def test_attachment_form_on_the_report_page(app, author, api):
    issue = api.post("/issues", json=REPORT).json
    web = app.test_client()
    web.post("/login", data={"email": author.email, "password": factories.DEFAULT_PASSWORD})
    page = web.get(f"/issues/{issue['id']}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and "Attachments" in page
    response = web.post(f"/issues/{issue['id']}/attachments",
                        data={"file": (io.BytesIO(b"note"), "note.txt"), "remove_gps": "y"},
                        content_type="multipart/form-data")
    assert response.status_code == 302
    page = web.get(f"/issues/{issue['id']}").get_data(as_text=True)
    assert "note.txt attached" in page and f"/issues/{issue['id']}/attachments/" in page


@needs_tesseract
def test_photo_on_a_report_is_found_by_its_text(app, api, runner):
    issue = api.post("/issues", json=REPORT).json
    photo = photo_with_gps_and_orientation(["Customer complaint form", "外殼鉸鏈處裂痕 批號 K4471"])
    attached = _attach(api, issue["id"], photo, "complaint.jpg", remove_gps="true").json
    assert attached["text_status"] == "ocr_pending"
    assert api.get("/search", query_string={"q": "K4471"}).json["total"] == 0
    result = runner.invoke(args=["ocr", "worker", "--once"])
    assert result.exit_code == 0, result.output
    [item] = api.get(f"/issues/{issue['id']}/attachments").json["items"]
    assert item["text_status"] == "ok" and "K4471" in item["text"]
    for query in ("K4471", "鉸鏈處裂痕", "铰链处裂痕"):
        found = api.get("/search", query_string={"q": query}).json
        assert [(i["kind"], i["id"]) for i in found["items"]] == [("issue", issue["id"])], (query, item["text"])
