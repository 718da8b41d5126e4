"""The versions a document carries in the API (list and detail) are built
without marshmallow (app.api.schemas.dump_versions): they must stay what
VersionSchema, the published contract, says for every field, every state
and every reader."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_login import login_user

from app.api.schemas import VersionSchema, many
from app.documents.change_request import company_today
from app.documents.models import Document
from app.documents.service import visible_versions
from app.extensions import db
from tests.factories import DEFAULT_PASSWORD as PW
from tests.factories import add_version


@pytest.fixture
def team(make_user):
    return {
        "author": make_user("author", "RD"),
        "author2": make_user("author", "RD"),
        "head": make_user("dept_head", "RD"),
        "leader": make_user("leader", "MGMT"),
        "outsider": make_user("author", "QC"),
        "admin": make_user("admin", "DA"),
    }


def _act(api_as, user, document, number, action, **extra):
    response = api_as(user).post(
        f"/documents/{document.id}/versions/{number}/actions", json={"action": action, **extra}
    )
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def documents(api_as, team, make_document):
    """Versions in every state a reader can meet, with a route, a planned
    date, a change request, two authors and the numbers revision scheme."""
    author, head = team["author"], team["head"]
    manual = make_document(author, content="X200 manual, first edition.\n")
    _act(api_as, author, manual, 1, "submit")
    _act(api_as, head, manual, 1, "approve", password=PW)  # effective
    add_version(manual, team["author2"], "X200 manual, second edition.\n")  # another author
    _act(api_as, team["author2"], manual, 2, "submit")
    _act(api_as, head, manual, 2, "approve", password=PW)  # effective; v1 obsolete
    add_version(manual, author, "third edition, rejected\n")
    _act(api_as, author, manual, 3, "submit")
    _act(api_as, head, manual, 3, "reject", comment="torque table is wrong", password=PW)
    tomorrow = company_today() + timedelta(days=1)
    other = make_document(author, doc_type="spec")
    response = api_as(author).upload(
        f"/documents/{manual.id}/versions",
        "第四版\n".encode(),
        "manual.txt",
        change_note="新扭力表",
        effective_on=tomorrow.isoformat(),
        change_reason="客訴 17",
        affected_documents=other.number,
    )
    assert response.status_code == 201, response.json
    _act(api_as, author, manual, 4, "submit")
    _act(api_as, head, manual, 4, "approve", password=PW)  # approved, waiting for tomorrow
    add_version(manual, author, "fifth edition, a draft\n")

    spec = make_document(author, title="X200 spec", doc_type="spec", important=True)
    _act(api_as, author, spec, 1, "submit")  # two signatures on its route
    numbered = make_document(author, title="X300 manual", product="X300")
    db.session.get(Document, numbered.id).revision_scheme = "numbers"
    db.session.commit()
    add_version(numbered, author, "X300 manual, second edition\n")
    return [manual, spec, numbered, other]


@pytest.mark.parametrize("reader", ["author", "head", "leader", "outsider", "admin"])
def test_versions_in_list_and_detail_are_what_the_schema_gives(app, api_as, team, documents, reader):
    user = team[reader]
    api = api_as(user)
    listed = {item["id"]: item["versions"] for item in api.get("/documents?per_page=100").json["items"]}
    for document in documents:
        with app.test_request_context():
            login_user(db.session.get(type(user), user.id))
            expected = many(VersionSchema).dump(visible_versions(user, db.session.get(Document, document.id)))
        detail = api.get(f"/documents/{document.id}").json["versions"]
        assert detail == expected, (reader, document.title)
        assert listed[document.id] == expected, (reader, document.title)
    db.session.remove()


def test_the_fixture_covers_what_the_comparison_must_see(api_as, team, documents):
    """The comparison above is only as good as its data: every state, both
    revision schemes, hidden and shown addresses, a route, a plan."""
    manual, spec, numbered, _other = documents
    admin_view = api_as(team["admin"]).get(f"/documents/{manual.id}").json["versions"]
    assert [v["state"] for v in admin_view] == ["obsolete", "effective", "rejected", "approved", "draft"]
    assert (
        admin_view[3]["effective_on"]
        and admin_view[3]["change_reason"]
        and admin_view[3]["affected_documents"]
    )
    assert admin_view[0]["obsolete_at"] and admin_view[1]["effective_at"] and admin_view[2]["submitted_at"]
    spec_version = api_as(team["admin"]).get(f"/documents/{spec.id}").json["versions"][0]
    assert spec_version["state"] == "in_review" and spec_version["approval_route"] == ["dept_head", "leader"]
    assert [
        v["revision"] for v in api_as(team["admin"]).get(f"/documents/{numbered.id}").json["versions"]
    ] == ["1", "2"]
    outsider_view = api_as(team["outsider"]).get(f"/documents/{manual.id}").json["versions"]
    # Only published versions outside the department; the authors' addresses are not the outsider's to read.
    assert [v["number"] for v in outsider_view] == [1, 2]
    assert [v["author"] for v in outsider_view] == [None, None]
    assert (
        admin_view[1]["author"] == team["author2"].email
        and admin_view[1]["author_name"] == team["author2"].name
    )
