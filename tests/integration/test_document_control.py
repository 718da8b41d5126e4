"""Document control that cannot be bypassed: the route fixed at submission,
control fields kept to the head, due reviews cleared only by a review,
every signature re-authenticated, drafts hidden from outsiders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.approval.models import Signature
from app.clock import company_today
from app.documents.review import add_months
from app.extensions import db
from tests.factories import DEFAULT_PASSWORD as PW
from tests.factories import add_version


@pytest.fixture
def team(make_user):
    return {"author": make_user("author", "RD"), "head": make_user("dept_head", "RD"),
            "leader": make_user("leader", "MGMT"), "admin": make_user("admin", "IT"),
            "outsider": make_user("author", "MKT"), "colleague": make_user("support", "RD")}


def actions(document, number=1):
    return f"/documents/{document.id}/versions/{number}/actions"


def signature_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Signature))


# The route is fixed at submission ---------------------------------------------

def test_importance_dropped_during_review_still_needs_the_leader(api_as, team, make_document):
    document = make_document(team["author"], important=True)
    api_as(team["author"]).post(actions(document), json={"action": "submit"})
    # The author may not touch what controls the document...
    refused = api_as(team["author"]).patch(f"/documents/{document.id}", json={"important": False})
    assert refused.status_code == 403 and "important" in refused.json["error"]["message"]
    # ...the head may, but the running review keeps the route it was submitted with.
    assert api_as(team["head"]).patch(f"/documents/{document.id}", json={"important": False}).status_code == 200
    reviewed = api_as(team["head"]).post(actions(document), json={"action": "approve", "password": PW})
    assert reviewed.json["state"] == "pending_approval"
    assert reviewed.json["signatures"][0]["meaning"] == "reviewed"
    approved = api_as(team["leader"]).post(actions(document), json={"action": "approve", "password": PW})
    assert approved.json["state"] == "effective"
    # The next version is routed by the document as it is now: the head alone.
    add_version(document, team["author"], "second edition\n")
    api_as(team["author"]).post(actions(document, 2), json={"action": "submit"})
    second = api_as(team["head"]).post(actions(document, 2), json={"action": "approve", "password": PW})
    assert second.json["state"] == "effective"


def test_a_document_under_review_cannot_change_department(api_as, team, make_user, make_document):
    make_department_head = make_user("dept_head", "QC")
    document = make_document(team["author"])
    api_as(team["author"]).post(actions(document), json={"action": "submit"})
    moved = api_as(team["admin"]).patch(f"/documents/{document.id}", json={"department": "QC"})
    assert moved.status_code == 409 and "under review" in moved.json["error"]["message"]
    api_as(team["head"]).post(actions(document), json={"action": "approve", "password": PW})
    moved = api_as(team["admin"]).patch(f"/documents/{document.id}", json={"department": "QC"})
    assert moved.status_code == 200 and moved.json["department"] == "QC"
    # The new department's head now controls it; the old one no longer does.
    assert api_as(make_department_head).patch(f"/documents/{document.id}", json={"important": True}).status_code == 200
    assert api_as(team["head"]).patch(f"/documents/{document.id}", json={"important": False}).status_code == 403


def test_control_changes_are_audited_with_old_and_new_values(api_as, team, make_document):
    document = make_document(team["author"])
    response = api_as(team["head"]).patch(f"/documents/{document.id}",
                                          json={"confidentiality": "restricted", "important": True})
    assert response.status_code == 200
    history = api_as(team["head"]).get(f"/documents/{document.id}/history").json
    edit = [e for e in history["items"] if e["verb"] == "edit"][-1]
    assert edit["details"]["confidentiality"] == ["internal", "restricted"]
    assert edit["details"]["important"] == ["False", "True"]
    for field, value in (("confidentiality", "internal"), ("review_interval_months", 6), ("department", "MKT")):
        assert api_as(team["author"]).patch(f"/documents/{document.id}", json={field: value}).status_code == 403
    # Title and product stay the author's to edit.
    assert api_as(team["author"]).patch(f"/documents/{document.id}", json={"title": "Renamed"}).status_code == 200


# Periodic review -----------------------------------------------------------------

def effective_document(api_as, team, make_document):
    document = make_document(team["author"])
    api_as(team["author"]).post(actions(document), json={"action": "submit"})
    api_as(team["head"]).post(actions(document), json={"action": "approve", "password": PW})
    db.session.refresh(document)
    return document


def test_an_overdue_review_survives_an_interval_change(api_as, team, make_document):
    document = effective_document(api_as, team, make_document)
    overdue = company_today() - timedelta(days=3)
    document.review_due = overdue
    db.session.commit()
    response = api_as(team["head"]).patch(f"/documents/{document.id}", json={"review_interval_months": 60})
    assert response.status_code == 200
    db.session.refresh(document)
    assert document.review_interval_months == 60 and document.review_due == overdue
    overdue_list = api_as(team["head"]).get("/documents", query_string={"review": "overdue"}).json
    assert document.id in [d["id"] for d in overdue_list["items"]]


def test_an_interval_change_moves_a_review_that_is_not_due(api_as, team, make_document):
    document = effective_document(api_as, team, make_document)
    assert document.review_due == add_months(company_today(), 12)
    api_as(team["head"]).patch(f"/documents/{document.id}", json={"review_interval_months": 24})
    db.session.refresh(document)
    assert document.review_due == add_months(company_today(), 24)


def test_only_a_signed_review_record_clears_a_due_review(api_as, team, make_document):
    document = effective_document(api_as, team, make_document)
    document.review_due = company_today() - timedelta(days=3)
    db.session.commit()
    url = f"/documents/{document.id}/review"
    assert api_as(team["author"]).post(url, json={"password": PW}).status_code == 403
    missing = api_as(team["head"]).post(url, json={"comment": "still valid"})
    assert missing.status_code == 401 and missing.json["error"]["code"] == "reauthentication_required"
    wrong = api_as(team["head"]).post(url, json={"comment": "still valid", "password": "guess"})
    assert wrong.status_code == 401 and wrong.json["error"]["code"] == "wrong_password"
    db.session.refresh(document)
    assert document.review_due < company_today()
    signed = api_as(team["head"]).post(url, json={"comment": "still valid", "password": PW})
    assert signed.status_code == 201
    assert signed.json["meaning"] == "periodic_review" and signed.json["method"] == "password"
    assert signed.json["sha256"] == document.effective_version.sha256
    db.session.refresh(document)
    assert document.review_due == add_months(company_today(), 12) and document.reviewed_on == company_today()
    verbs = [e["verb"] for e in api_as(team["head"]).get(f"/documents/{document.id}/history").json["items"]]
    assert verbs[-1] == "periodic_review"


# Signatures re-authenticate ------------------------------------------------------

def test_a_token_alone_cannot_sign(api_as, team, make_document):
    document = make_document(team["author"])
    api_as(team["author"]).post(actions(document), json={"action": "submit"})
    head = api_as(team["head"])
    before = signature_count()
    missing = head.post(actions(document), json={"action": "approve"})
    assert missing.status_code == 401 and missing.json["error"]["code"] == "reauthentication_required"
    wrong = head.post(actions(document), json={"action": "reject", "comment": "no", "password": "nope"})
    assert wrong.status_code == 401 and wrong.json["error"]["code"] == "wrong_password"
    db.session.refresh(document.versions[0])
    assert document.versions[0].state == "in_review" and signature_count() == before
    signed = head.post(actions(document), json={"action": "approve", "comment": "ok", "password": PW})
    assert signed.status_code == 200
    [signature] = signed.json["signatures"]
    assert signature["method"] == "password" and signature["signer"] == team["head"].email
    assert signature["sha256"] == document.versions[0].sha256 and signature["role"] == "dept_head"


def test_a_browser_session_cannot_sign_through_the_api_without_the_password(app, client, team, make_document,
                                                                            api_as):
    document = make_document(team["author"])
    api_as(team["author"]).post(actions(document), json={"action": "submit"})
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": team["head"].email, "password": PW, "csrf_token": csrf})
    # The CSRF secret is renewed at login: take a token from a page seen after it.
    page = client.get("/documents/new").get_data(as_text=True)
    csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    headers = {"X-CSRFToken": csrf}
    response = client.post("/api/v1" + actions(document), json={"action": "approve"}, headers=headers)
    assert response.status_code == 401 and response.json["error"]["code"] == "reauthentication_required"
    signed = client.post("/api/v1" + actions(document), json={"action": "approve", "password": PW}, headers=headers)
    assert signed.json["state"] == "effective"
    assert signed.json["signatures"][0]["method"] == "password"


def test_password_checked_after_state_and_permission(api_as, team, make_document):
    """A wrong password is answered like a right one when the state or the
    actor's role refuses: the answer tells an attacker nothing."""
    document = make_document(team["author"])  # a draft: nothing to approve
    for password in ("wrong", PW):
        assert api_as(team["head"]).post(actions(document), json={"action": "approve", "password": password}
                                         ).status_code == 409
    api_as(team["author"]).post(actions(document), json={"action": "submit"})
    for password in ("wrong", PW):
        assert api_as(team["colleague"]).post(actions(document), json={"action": "approve", "password": password}
                                              ).status_code == 403


def test_wrong_signature_passwords_are_throttled(api_as, team, make_document):
    document = make_document(team["author"])
    api_as(team["author"]).post(actions(document), json={"action": "submit"})
    head = api_as(team["head"])
    codes = [head.post(actions(document), json={"action": "approve", "password": f"guess{n}"}).status_code
             for n in range(6)]
    assert codes == [401] * 5 + [429]
    # Even the right password waits now: a stolen session cannot keep guessing.
    assert head.post(actions(document), json={"action": "approve", "password": PW}).status_code == 429


# Drafts are not for everybody ---------------------------------------------------

def test_a_draft_is_hidden_from_outsiders_by_every_route(client, login, api_as, team, make_document):
    document = effective_document(api_as, team, make_document)
    add_version(document, team["author"], "draft with unreleased torque values\n")
    paths = [f"/documents/{document.id}/versions/2", f"/documents/{document.id}/versions/2/file",
             f"/documents/{document.id}/diff?from=1&to=2"]
    outsider = api_as(team["outsider"])
    for path in paths:
        assert outsider.get(path).status_code == 404, path
    assert [v["number"] for v in outsider.get(f"/documents/{document.id}").json["versions"]] == [1]
    history = outsider.get(f"/documents/{document.id}/history").json["items"]
    assert all((e.get("details") or {}).get("number") != 2 for e in history)
    login(team["outsider"])
    for path in paths:
        assert client.get(path).status_code == 404, path
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "versions/2" not in page
    # The owning department works on it.
    colleague = api_as(team["colleague"])
    for path in paths:
        assert colleague.get(path).status_code == 200, path


def test_the_head_signs_a_periodic_review_on_the_document_page(client, login, api_as, team, make_document):
    document = effective_document(api_as, team, make_document)
    document.review_due = company_today() - timedelta(days=1)
    db.session.commit()
    login(team["head"])
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert f'action="/documents/{document.id}/review"' in page
    client.post(f"/documents/{document.id}/review", data={"password": "guess", "comment": "checked"})
    db.session.refresh(document)
    assert document.review_due < company_today()
    client.post(f"/documents/{document.id}/review", data={"password": PW, "comment": "checked"})
    db.session.refresh(document)
    assert document.review_due == add_months(company_today(), 12)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "reviewed, no change (periodic review)" in page
    client.post("/logout")
    login(team["author"])
    assert f'action="/documents/{document.id}/review"' not in client.get(f"/documents/{document.id}").get_data(
        as_text=True)
