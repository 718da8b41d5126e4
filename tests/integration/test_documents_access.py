"""Restricted documents are invisible (404) outside their department."""

from __future__ import annotations

import pytest

from tests.factories import add_version


@pytest.fixture
def restricted(make_user, make_document):
    author = make_user("author", "QC")
    document = make_document(author, title="B2311 內部檢驗報告", category="quality",
                             doc_type="inspection_report", confidentiality="restricted",
                             content="B2311 密封不良 內部資料\n")
    add_version(document, author, "B2311 密封不良 內部資料 第二版\n")
    return document


@pytest.mark.parametrize("role, department, sees", [
    ("author", "RD", False), ("dept_head", "RD", False), ("support", "CS", False),
    ("author", "QC", True), ("leader", "MGMT", True), ("admin", "DA", True),
])
def test_restricted_visibility_everywhere(api_as, make_user, restricted, role, department, sees):
    api = api_as(make_user(role, department))
    doc_id = restricted.id
    urls = [f"/documents/{doc_id}", f"/documents/{doc_id}/versions/1",
            f"/documents/{doc_id}/versions/1/file", f"/documents/{doc_id}/diff?from=1&to=2",
            f"/documents/{doc_id}/history"]
    for url in urls:
        assert api.get(url).status_code == (200 if sees else 404), url
    listed = api.get("/documents").json
    assert (listed["total"] == 1) is sees
    assert any(item["id"] == doc_id for item in listed["items"]) is sees


def test_restricted_html_pages_are_404_for_outsiders(client, login, make_user, restricted):
    login(make_user("author", "RD"))
    for url in (f"/documents/{restricted.id}", f"/documents/{restricted.id}/versions/1",
                f"/documents/{restricted.id}/versions/1/file", f"/documents/{restricted.id}/diff"):
        assert client.get(url).status_code == 404, url
    assert "B2311" not in client.get("/documents/").get_data(as_text=True)


def test_outsider_cannot_upload_a_version(api_as, make_user, restricted):
    api = api_as(make_user("author", "RD"))
    response = api.upload(f"/documents/{restricted.id}/versions", b"x", "x.txt", change_note="x")
    assert response.status_code == 404
