"""The versioned document repository through the JSON API."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.documents.models import Blob, DocumentVersion
from app.extensions import db
from tests.factories import add_version
from tests.files import docx_bytes, pdf_bytes

FIELDS = dict(title="X200 使用說明書", category="technical", doc_type="manual",
              product="X200", department="RD", important="false",
              confidentiality="internal", change_note="初版")


@pytest.fixture
def author(make_user):
    return make_user("author", "RD")


@pytest.fixture
def api(api_as, author):
    return api_as(author)


def create(api, content=b"X200 manual\n", filename="manual.txt", **overrides):
    return api.upload("/documents", content, filename, **{**FIELDS, **overrides})


def test_create_document_with_its_first_file(api):
    content = docx_bytes(["X200 控制器使用說明書", "安裝前請關閉電源。"],
                         table=[["參數", "數值"], ["扭力", "12 N·m"]], header="研發部", footer="第 1 頁")
    response = create(api, content, "X200 說明書.docx")
    assert response.status_code == 201, response.json
    body = response.json
    assert body["title"] == "X200 使用說明書"
    assert (body["category"], body["doc_type"], body["product"], body["department"]) == (
        "technical", "manual", "X200", "RD")
    assert body["important"] is False and body["confidentiality"] == "internal"
    assert body["effective_version"] is None
    [version] = body["versions"]
    assert version["number"] == 1 and version["state"] == "draft"
    assert version["sha256"] == hashlib.sha256(content).hexdigest()
    assert version["size"] == len(content)
    assert version["media_type"].endswith("wordprocessingml.document")
    assert version["filename"] == "X200 說明書.docx"
    assert version["change_note"] == "初版"

    text = api.get(f"/documents/{body['id']}/versions/1").json["text"]
    assert "安裝前請關閉電源。" in text and "扭力\t12 N·m" in text
    assert "研發部" in text and "第 1 頁" in text


def test_upload_versions_list_detail_and_download(api, author):
    doc = create(api).json
    second = api.upload(f"/documents/{doc['id']}/versions", b"X200 manual, second edition\n",
                        "manual.txt", change_note="edition 2")
    assert second.status_code == 201
    assert second.json["number"] == 2 and second.json["state"] == "draft"
    assert second.json["change_note"] == "edition 2"

    detail = api.get(f"/documents/{doc['id']}").json
    assert [v["number"] for v in detail["versions"]] == [1, 2]

    file_response = api.get(f"/documents/{doc['id']}/versions/1/file")
    assert file_response.status_code == 200
    assert file_response.data == b"X200 manual\n"
    assert file_response.headers["ETag"].strip('"') == hashlib.sha256(b"X200 manual\n").hexdigest()
    assert "attachment" in file_response.headers["Content-Disposition"]
    assert file_response.headers["Content-Type"].startswith("text/plain")
    cached = api.get(f"/documents/{doc['id']}/versions/1/file",
                     headers={"If-None-Match": file_response.headers["ETag"]})
    assert cached.status_code == 304


def test_new_version_needs_a_change_note(api):
    doc = create(api).json
    response = api.upload(f"/documents/{doc['id']}/versions", b"v2", "m.txt", change_note="")
    assert response.status_code == 400
    assert "change_note" in response.json["error"]["message"]
    assert len(api.get(f"/documents/{doc['id']}").json["versions"]) == 1


def test_list_filters(api, api_as, make_user):
    create(api, title="X200 spec", doc_type="spec")
    create(api, b"other", title="M10 manual", product="M10")
    qc = make_user("qc", "QC")
    api_as(qc).upload("/documents", b"inspection", "r.txt", **{
        **FIELDS, "title": "B2311 inspection", "category": "quality",
        "doc_type": "inspection_report", "department": "QC"})

    def titles(**query):
        response = api.get("/documents", query_string=query)
        assert response.status_code == 200
        return sorted(item["title"] for item in response.json["items"])

    assert titles() == ["B2311 inspection", "M10 manual", "X200 spec"]
    assert titles(category="quality") == ["B2311 inspection"]
    assert titles(doc_type="spec") == ["X200 spec"]
    assert titles(department="QC") == ["B2311 inspection"]
    assert titles(product="M10") == ["M10 manual"]
    assert titles(q="X200") == ["X200 spec"]
    # QC's draft is QC's business: the state filter does not reveal it to RD.
    assert titles(state="draft") == ["M10 manual", "X200 spec"]
    assert api_as(qc).get("/documents", query_string={"state": "draft"}).json["total"] == 1
    assert titles(state="effective") == []
    page = api.get("/documents", query_string={"per_page": 2, "page": 2}).json
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (3, 2, 2, 1)


def test_diff_is_structured_and_fine_grained(api, author):
    doc = create(api, "產品質量問題分析：X200 馬達過熱。\nThe motor overheats quickly.\n".encode()).json
    api.upload(f"/documents/{doc['id']}/versions",
               "產品品質問題分析：X200 馬達過熱。\nThe motor overheats slowly.\n".encode(),
               "a.txt", change_note="wording")
    body = api.get(f"/documents/{doc['id']}/diff", query_string={"from": 1, "to": 2}).json
    assert (body["from"], body["to"]) == (1, 2)
    changed = [c for c in body["changes"] if c["op"] != "equal"]
    # Character granularity for Chinese, word granularity for English.
    assert all(len(c["old"]) <= 7 and len(c["new"]) <= 7 for c in changed), changed
    olds = "".join(c["old"] for c in changed)
    news = "".join(c["new"] for c in changed)
    assert "quickly" in olds and "slowly" in news
    assert "量" in olds and "品" in news  # 質量 -> 品質: 品 inserted, 量 deleted
    assert body["stats"]["inserted"] > 0 and body["stats"]["deleted"] > 0


def test_identical_bytes_share_one_blob(api, app):
    doc = create(api, b"same bytes").json
    api.upload(f"/documents/{doc['id']}/versions", b"same bytes", "again.txt", change_note="re-upload")
    create(api, b"same bytes", title="another document")
    assert db.session.scalar(select(func.count()).select_from(Blob)) == 1
    assert db.session.scalar(select(func.count()).select_from(DocumentVersion)) == 3
    from pathlib import Path

    files = [p for p in (Path(app.config["STORAGE_DIR"]) / "blobs").rglob("*") if p.is_file()]
    assert len(files) == 1
    assert files[0].read_bytes() == b"same bytes"


def test_every_mutation_writes_an_audit_event(api):
    doc = create(api).json
    api.upload(f"/documents/{doc['id']}/versions", b"v2", "m.txt", change_note="v2")
    history = api.get(f"/documents/{doc['id']}/history").json["items"]
    verbs = [(e["verb"], e["to_state"]) for e in history]
    assert ("create", None) in verbs
    assert verbs.count(("upload_version", "draft")) == 2
    assert all(e["actor"] for e in history)


def test_audit_events_cannot_be_changed(api):
    create(api)
    event = db.session.scalars(select(AuditEvent)).first()
    event.comment = "rewritten"
    with pytest.raises(Exception, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(AuditEvent)).first())
    with pytest.raises(Exception, match="append-only"):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("field, value", [
    ("category", "finance"), ("doc_type", "recipe"), ("department", "NOPE"),
    ("confidentiality", "secret"),
])
def test_unknown_values_are_400_naming_the_field(api, field, value):
    response = create(api, **{field: value})
    assert response.status_code == 400
    assert field in response.json["error"]["message"]
    assert api.get("/documents").json["total"] == 0


def test_doc_type_must_belong_to_the_category(api):
    response = create(api, category="market", doc_type="manual")
    assert response.status_code == 400
    assert "doc_type" in response.json["error"]["message"]


def test_author_cannot_create_for_another_department(api):
    from tests.factories import make_department

    make_department("QC")
    response = create(api, department="QC")
    assert response.status_code == 403


def test_pdf_with_chinese_text_is_extracted(api):
    content = pdf_bytes(["产品质量问题分析报告", "X200 电机过热"], lang="zh-Hans")
    doc = create(api, content, "analysis.pdf").json
    version = api.get(f"/documents/{doc['id']}/versions/1").json
    assert version["media_type"] == "application/pdf"
    assert "产品质量问题分析报告" in version["text"]
    assert version["text_extracted"] is True and version["page_count"] == 1


def test_openapi_document_describes_the_routes(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    for path in ("/api/v1/documents", "/api/v1/documents/{document_id}",
                 "/api/v1/documents/{document_id}/versions",
                 "/api/v1/documents/{document_id}/versions/{number}",
                 "/api/v1/documents/{document_id}/versions/{number}/file",
                 "/api/v1/documents/{document_id}/diff", "/api/v1/health"):
        assert path in paths, path
    assert "multipart/form-data" in paths["/api/v1/documents"]["post"]["requestBody"]["content"]


def test_health_needs_no_login(client):
    body = client.get("/api/v1/health").json
    assert body["status"] == "ok" and body["database"] == "ok"


def test_factory_versions_increment(author, make_document):
    document = make_document(author)
    v2 = add_version(document, author, "second")
    v3 = add_version(document, author, "third")
    assert (v2.number, v3.number) == (2, 3)
