"""Typed links between documents, both directions shown; a new effective
version tells the owners of the documents referencing it."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.notify.models import Notification
from tests import factories
from tests.factories import DEFAULT_PASSWORD as PW


@pytest.fixture
def team(make_user):
    return {"author": make_user("author", "RD"), "head": make_user("dept_head", "RD"),
            "qa": make_user("author", "QC"), "qa_head": make_user("dept_head", "QC")}


def approve(api_as, team, document, number=1, head="head", author="author"):
    base = f"/documents/{document.id}/versions/{number}/actions"
    api_as(team[author]).post(base, json={"action": "submit"})
    assert api_as(team[head]).post(base, json={"action": "approve", "password": PW}).json["state"] == "effective"


def test_links_read_from_both_sides(api_as, team, make_document):
    spec = make_document(team["author"], doc_type="spec", title="X200 spec")
    plan = make_document(team["qa"], category="quality", doc_type="inspection_report", title="X200 inspection")
    response = api_as(team["qa"]).post(f"/documents/{plan.id}/relations",
                                       json={"target_id": spec.id, "type": "implements"})
    assert response.status_code == 201
    assert [(r["type"], r["number"]) for r in response.json["items"]] == [("implements", spec.number)]
    incoming = api_as(team["author"]).get(f"/documents/{spec.id}/relations").json["items"]
    assert [(r["type"], r["number"], r["outgoing"]) for r in incoming] == [("implemented_by", plan.number, False)]
    again = api_as(team["qa"]).post(f"/documents/{plan.id}/relations", json={"target_id": spec.id,
                                                                             "type": "implements"})
    assert again.status_code == 409
    assert api_as(team["author"]).post(f"/documents/{plan.id}/relations",
                                       json={"target_id": spec.id, "type": "references"}).status_code == 403
    assert api_as(team["qa"]).post(f"/documents/{plan.id}/relations",
                                   json={"target_id": plan.id, "type": "references"}).status_code == 400
    relation_id = response.json["items"][0]["id"]
    assert api_as(team["qa"]).delete(f"/documents/{plan.id}/relations/{relation_id}").status_code == 204
    assert api_as(team["author"]).get(f"/documents/{spec.id}/relations").json["items"] == []
    verbs = [e["verb"] for e in api_as(team["qa"]).get(f"/documents/{plan.id}/history").json["items"]]
    assert verbs.count("relate") == 1 and verbs.count("unrelate") == 1


def test_a_new_effective_version_lists_documents_that_may_need_review(api_as, team, make_document, login, client):
    spec = make_document(team["author"], doc_type="spec", title="X200 spec")
    approve(api_as, team, spec)
    plan = make_document(team["qa"], category="quality", doc_type="inspection_report", title="X200 inspection")
    api_as(team["qa"]).post(f"/documents/{plan.id}/relations", json={"target_id": spec.id, "type": "references"})
    factories.add_version(spec, team["author"], "spec, second edition\n")
    approve(api_as, team, spec, 2)
    notes = db.session.query(Notification).filter_by(user_id=team["qa_head"].id, kind="may_need_review").all()
    assert len(notes) == 1 and plan.number in notes[0].message and f"{spec.number} Rev B" in notes[0].message
    login(team["author"])
    page = client.get(f"/documents/{spec.id}").get_data(as_text=True)
    assert "is referenced by" in page and plan.number in page and "may need review" in page
    page = client.post(f"/documents/{spec.id}/relations", data={"type": "supersedes", "number": "NOPE-1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "no document" in page
