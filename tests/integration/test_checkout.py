"""Check-out: the holder is shown with the time, nobody else uploads until
check-in, the department head breaks the lock (audited)."""

from __future__ import annotations

import pytest

from app.documents import checkout
from app.errors import InvalidTransition, PermissionDenied
from app.extensions import db
from tests import factories


@pytest.fixture
def team(make_user):
    return {"author": make_user("author", "RD", name="Lin Wei"), "colleague": make_user("author", "RD"),
            "head": make_user("dept_head", "RD"), "other_head": make_user("dept_head", "QC"),
            "outsider": make_user("author", "QC")}


def test_others_cannot_upload_until_check_in(team, make_document, api_as):
    document = make_document(team["author"])
    response = api_as(team["author"]).post(f"/documents/{document.id}/checkout")
    assert response.status_code == 200 and response.json["checked_out_by"] == "Lin Wei"
    assert response.json["checked_out_at"]
    refused = api_as(team["colleague"]).upload(f"/documents/{document.id}/versions", b"mine\n", "m.txt",
                                                change_note="edit")
    assert refused.status_code == 409 and "checked out by Lin Wei since" in refused.json["error"]["message"]
    assert api_as(team["colleague"]).post(f"/documents/{document.id}/checkout").status_code == 409
    # The holder still uploads.
    assert api_as(team["author"]).upload(f"/documents/{document.id}/versions", b"v2\n", "m.txt",
                                         change_note="edit").status_code == 201
    assert api_as(team["colleague"]).delete(f"/documents/{document.id}/checkout").status_code == 403
    released = api_as(team["author"]).delete(f"/documents/{document.id}/checkout")
    assert released.status_code == 200 and released.json["checked_out_by"] is None
    assert api_as(team["colleague"]).upload(f"/documents/{document.id}/versions", b"v3\n", "m.txt",
                                            change_note="edit").status_code == 201


def test_the_department_head_breaks_the_lock_and_it_is_audited(team, make_document, api_as):
    document = make_document(team["author"])
    checkout.check_out(team["author"], document)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        checkout.check_in(team["other_head"], document)
    response = api_as(team["head"]).delete(f"/documents/{document.id}/checkout?comment=on+leave")
    assert response.status_code == 200
    history = api_as(team["head"]).get(f"/documents/{document.id}/history").json["items"]
    broken = [e for e in history if e["verb"] == "break_checkout"]
    assert len(broken) == 1 and broken[0]["comment"] == "on leave"
    assert broken[0]["details"]["holder"] == team["author"].email
    assert [e["verb"] for e in history].count("check_out") == 1
    with pytest.raises(InvalidTransition):
        checkout.check_in(team["author"], document)


def test_outsiders_may_not_check_out(team, make_document):
    document = make_document(team["author"])
    with pytest.raises(PermissionDenied):
        checkout.check_out(team["outsider"], document)


def test_the_page_shows_who_has_it_and_the_buttons(team, make_document, login, client):
    document = make_document(team["author"])
    login(team["author"])
    page = client.post(f"/documents/{document.id}/checkout", follow_redirects=True).get_data(as_text=True)
    assert "Checked out by Lin Wei since" in page and "Check in" in page
    client.post("/logout")
    login(team["head"])
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Checked out by Lin Wei since" in page and "Break the lock" in page
    upload = client.post(f"/documents/{document.id}/versions/new", data={
        "change_note": "x", "file": (factories.text_upload("new\n").stream, "n.txt")},
        content_type="multipart/form-data")
    assert upload.status_code == 409 and "checked out by Lin Wei" in upload.get_data(as_text=True)
    page = client.post(f"/documents/{document.id}/checkin", data={"comment": "urgent fix"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Checked out by" not in page and "Check out for editing" in page
