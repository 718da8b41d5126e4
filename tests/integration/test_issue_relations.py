"""Relations between problem reports: both directions shown; a duplicate is
closed with a pointer to the original."""

from __future__ import annotations

import pytest

from app.issues import service as issues


@pytest.fixture
def team(make_user):
    return {"support": make_user("support", "CS"), "author": make_user("author", "RD")}


def report(user, title):
    from app.extensions import db

    issue = issues.create_issue(user, {"title": title, "phenomenon": "stops after two hours"})
    db.session.commit()
    return issue


def test_a_duplicate_is_closed_with_a_pointer_to_the_original(api_as, team, login, client):
    original = report(team["support"], "X200 overheats")
    duplicate = report(team["support"], "X200 gets hot and stops")
    assert api_as(team["author"]).post(f"/issues/{duplicate.id}/relations",
                                       json={"target_id": original.id, "type": "duplicate_of"}).status_code == 403
    response = api_as(team["support"]).post(f"/issues/{duplicate.id}/relations",
                                            json={"target_id": original.id, "type": "duplicate_of"})
    assert response.status_code == 201, response.json
    assert response.json["state"] == "closed"
    assert [(r["type"], r["issue_id"]) for r in response.json["items"]] == [("duplicate_of", original.id)]
    body = api_as(team["author"]).get(f"/issues/{original.id}/relations").json
    assert body["state"] == "reported" and [(r["type"], r["issue_id"]) for r in body["items"]] == [
        ("has_duplicate", duplicate.id)]
    history = api_as(team["support"]).get(f"/issues/{duplicate.id}").json["history"]
    closing = [e for e in history if e["verb"] == "close_duplicate"]
    assert len(closing) == 1 and closing[0]["details"]["duplicate_of"] == original.id
    login(team["author"])
    page = client.get(f"/issues/{original.id}").get_data(as_text=True)
    assert "has a duplicate" in page and f"#{duplicate.id}" in page
    assert "duplicate of" in client.get(f"/issues/{duplicate.id}").get_data(as_text=True)


def test_caused_by_and_related_leave_the_state_alone(api_as, team):
    cause = report(team["support"], "Fan bearing worn")
    effect = report(team["support"], "X200 overheats")
    response = api_as(team["author"]).post(f"/issues/{effect.id}/relations",
                                           json={"target_id": cause.id, "type": "caused_by"})
    assert response.status_code == 201 and response.json["state"] == "reported"
    back = api_as(team["author"]).get(f"/issues/{cause.id}/relations").json["items"]
    assert [(r["type"], r["issue_id"]) for r in back] == [("causes", effect.id)]
    assert api_as(team["author"]).post(f"/issues/{effect.id}/relations",
                                       json={"target_id": cause.id, "type": "caused_by"}).status_code == 409
    assert api_as(team["author"]).post(f"/issues/{effect.id}/relations",
                                       json={"target_id": effect.id, "type": "related"}).status_code == 400
    assert api_as(team["author"]).post(f"/issues/{effect.id}/relations",
                                       json={"target_id": 999, "type": "related"}).status_code == 400
