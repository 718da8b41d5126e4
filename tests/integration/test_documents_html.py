"""Document pages through the Flask test client (session login)."""

from __future__ import annotations

import io
import re

from tests.factories import add_version


def test_upload_new_document_and_version_through_forms(client, login, make_user):
    login(make_user("author", "RD"))
    response = client.post("/documents/new", data={
        "title": "M10 馬達規格書", "category": "technical", "doc_type": "spec", "product": "M10",
        "department": "RD", "confidentiality": "internal", "change_note": "初版",
        "file": (io.BytesIO("額定扭力 12 N·m\n".encode()), "spec.md"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    detail_url = response.headers["Location"]
    page = client.get(detail_url).get_data(as_text=True)
    assert "M10 馬達規格書" in page and "spec.md" in page

    response = client.post(detail_url + "/versions/new", data={
        "change_note": "扭力改為 15 N·m",
        "file": (io.BytesIO("額定扭力 15 N·m\n".encode()), "spec.md"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(detail_url).get_data(as_text=True)
    assert "扭力改為 15 N·m" in page and "v2" in page


def test_bad_upload_in_the_form_shows_the_message(client, login, make_user):
    login(make_user("author", "RD"))
    response = client.post("/documents/new", data={
        "title": "pic", "category": "technical", "doc_type": "spec", "department": "RD",
        "confidentiality": "internal",
        "file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(200)), "pic.pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 415
    # PNG is a supported type since issue 19; the name claiming PDF is what is refused.
    assert "the content is a PNG file" in response.get_data(as_text=True)


def test_diff_page_marks_insertions_and_deletions(client, login, make_user, make_document):
    author = make_user("author", "RD")
    document = make_document(author, content="安裝步驟：先關閉電源，再拆下外殼。\n")
    add_version(document, author, "安裝步驟：先關閉電源並等待五分鐘，再拆下外殼。<script>alert(1)</script>\n")
    login(author)
    for mode in ("inline", "side"):
        page = client.get(f"/documents/{document.id}/diff?from=1&to=2&mode={mode}").get_data(as_text=True)
        inserted = re.findall(r'<ins class="diff-ins">(.*?)</ins>', page, re.S)
        assert any("並等待五分鐘" in chunk for chunk in inserted), inserted
        assert "<script>alert(1)" not in page
        assert "&lt;script&gt;" in page


def test_version_page_shows_extracted_text_and_obsolete_warning(client, login, make_user, make_document, app):
    from app.extensions import db

    author = make_user("author", "RD")
    document = make_document(author, content="Torque 12 N·m\n")
    login(author)
    page = client.get(f"/documents/{document.id}/versions/1").get_data(as_text=True)
    assert "Torque 12 N·m" in page
    document.versions[0].state = "obsolete"
    db.session.commit()
    page = client.get(f"/documents/{document.id}/versions/1").get_data(as_text=True)
    assert "obsolete" in page.lower()
    response = client.get(f"/documents/{document.id}/versions/1/file")
    assert "_OBSOLETE" in response.headers["Content-Disposition"]


def test_every_form_needs_the_csrf_token(app, client, make_user, make_document):
    from tests.factories import DEFAULT_PASSWORD

    author = make_user("author", "RD")
    document = make_document(author)
    client.post("/login", data={"email": author.email, "password": DEFAULT_PASSWORD})
    app.config["WTF_CSRF_ENABLED"] = True
    for url in ("/documents/new", f"/documents/{document.id}/versions/new", "/profile", "/logout",
                "/language/en"):
        response = client.post(url, data={"title": "x"})
        assert response.status_code == 400, url


def test_language_follows_the_browser_and_the_switch(client, login, make_user):
    login(make_user("author", "RD"))
    page = client.get("/documents/", headers={"Accept-Language": "zh-TW,zh;q=0.9"}).get_data(as_text=True)
    assert 'lang="zh-Hant"' in page
    client.post("/language/zh_Hans", data={"next": "/documents/"})
    page = client.get("/documents/", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert 'lang="zh-Hans"' in page
