"""A Word file revised with Track Changes on, through the API, the pages
and search: the stored text reads as accepted, the file's own revisions and
comments are kept with the version and shown; PDF refusals and statuses
are named in the reader's language."""

from __future__ import annotations

import html
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from app.documents.models import DocumentVersion
from app.extensions import db
from tests.files import tracked_changes_docx, unmapped_glyphs_pdf

DATA = Path(__file__).resolve().parents[1] / "data"
FIELDS = dict(
    title="X900 maintenance manual",
    category="technical",
    doc_type="manual",
    product="X900",
    department="RD",
    change_note="",
)


@pytest.fixture
def people(make_user):
    return {"author": make_user("author", "RD"), "head": make_user("dept_head", "RD")}


@pytest.fixture
def manual(api_as, people):
    response = api_as(people["author"]).upload("/documents", tracked_changes_docx(), "manual.docx", **FIELDS)
    assert response.status_code == 201, response.json
    return response.json


def test_the_api_returns_the_accepted_text_and_the_revisions(api_as, people, manual):
    version = api_as(people["author"]).get(f"/documents/{manual['id']}/versions/1").json
    assert "Torque the housing bolts to 15 N·m." in version["text"]
    assert "Obsoletewording" not in version["text"] and "Which coolant grade?" not in version["text"]
    assert version["tracked_changes"][0] == {
        "kind": "replacement",
        "author": "Lin Wei",
        "date": "2026-03-02T09:15:00Z",
        "old": "12",
        "new": "15",
        "where": "body",
    }
    assert [c["kind"] for c in version["tracked_changes"]] == [
        "replacement",
        "insertion",
        "deletion",
        "moved_from",
        "moved_to",
    ]
    assert [(c["author"], c["text"], c["resolved"]) for c in version["comments"]] == [
        ("張工程師", "Which coolant grade?", False),
        ("Lin Wei", "Nitrile gloves.", True),
    ]
    assert version["unresolved_markup"] == 6  # five revisions, one open comment


def test_the_version_page_shows_the_changes_tracked_in_the_file(client, login, people, manual):
    login(people["author"])
    url = f"/documents/{manual['id']}/versions/1"
    page = html.unescape(client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert "Changes tracked in this file" in page
    # 09:15 UTC in the company time zone (Asia/Taipei), in the one English format (issue 18)
    assert "Lin Wei" in page and "Mar 2, 2026, 5:15\u202fPM" in page
    assert "<del>12</del>" in page and "<ins>15</ins>" in page
    assert "張工程師" in page and "Which coolant grade?" in page and "Comments in this file" in page
    hant = client.get(url, headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert "此檔案中追蹤的修訂" in hant and "取代" in hant and "此檔案中的註解" in hant
    hans = client.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "此文件中跟踪的修订" in hans and "替换" in hans


def test_the_reviewer_is_warned_of_unresolved_changes_and_comments(api_as, client, login, people, manual):
    author = api_as(people["author"])
    assert (
        author.post(f"/documents/{manual['id']}/versions/1/actions", json={"action": "submit"}).status_code
        == 200
    )
    login(people["head"])
    page = client.get(f"/documents/{manual['id']}/versions/1", headers={"Accept-Language": "en"})
    text = html.unescape(page.get_data(as_text=True))
    assert "Submitted for review with 5 tracked changes and 1 unresolved comments" in text
    detail = html.unescape(
        client.get(f"/documents/{manual['id']}", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    )
    assert "5 項追蹤修訂、1 則未解決註解" in detail


def test_a_draft_without_markup_shows_no_warning(client, login, people, make_document):
    document = make_document(people["author"], content="Plain text manual.\n")
    login(people["author"])
    page = client.get(f"/documents/{document.id}/versions/1").get_data(as_text=True)
    assert "tracked changes" not in page and "Changes tracked in this file" not in page


def test_search_finds_the_inserted_word_and_the_comments_not_the_deleted_word(api_as, people, manual):
    searcher = api_as(people["author"])

    def found(q):
        return {item["id"] for item in searcher.get("/search", query_string={"q": q}).json["items"]}

    assert manual["id"] in found("gasketreplacement")
    assert manual["id"] not in found("Obsoletewording")
    assert manual["id"] in found("coolant grade")  # a comment: searchable, not in the text


def test_versions_store_the_revisions(app, manual):
    version = db.session.scalars(
        select(DocumentVersion).where(DocumentVersion.document_id == manual["id"])
    ).one()
    assert version.tracked_changes[1]["new"] == "gasketreplacement weekly"
    assert version.comments[1]["resolved"] is True


@pytest.mark.parametrize(
    "lang, words", [("en", "protected by a password"), ("zh-TW", "受密碼保護"), ("zh-CN", "受密码保护")]
)
def test_a_pdf_with_a_real_password_is_refused_in_the_readers_language(api_as, people, lang, words):
    data = (DATA / "pypdf-r4-aes-user-password.pdf").read_bytes()
    form = {**FIELDS, "file": (io.BytesIO(data), "locked.pdf")}
    response = api_as(people["author"]).post(
        "/documents", data=form, content_type="multipart/form-data", headers={"Accept-Language": lang}
    )
    assert response.status_code == 422
    assert response.json["error"]["code"] == "encrypted_pdf"
    # The English message plus the reader's (issue 18)
    assert "protected by a password" in response.json["error"]["message"]
    assert words in response.json["error"]["localized_message"]


def test_a_pdf_with_an_empty_user_password_is_accepted(api_as, people):
    data = (DATA / "pypdf-r6-empty-password.pdf").read_bytes()
    response = api_as(people["author"]).upload("/documents", data, "aes256.pdf", **FIELDS)
    assert response.status_code == 201, response.json
    version = api_as(people["author"]).get(f"/documents/{response.json['id']}/versions/1").json
    assert "pdf encryption test" in version["text"] and version["text_status"] == "ok"


def test_unreliable_text_is_stored_and_flagged(api_as, client, login, people):
    response = api_as(people["author"]).upload("/documents", unmapped_glyphs_pdf(), "printed.pdf", **FIELDS)
    assert response.status_code == 201, response.json
    assert response.json["versions"][0]["text_status"] == "unreliable"
    login(people["author"])
    page = client.get(f"/documents/{response.json['id']}/versions/1", headers={"Accept-Language": "zh-TW"})
    assert "此檔案的文字無法可靠讀取" in page.get_data(as_text=True)
