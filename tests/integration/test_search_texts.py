"""Search highlights come from the text a hit was found by: a report's
comments and attachments, a plan's actions, not only their first fields."""

from __future__ import annotations

from datetime import timedelta

from app.clock import company_today


def marks(api, word: str, kind: str) -> list[str]:
    result = api.get("/search", query_string={"q": word, "kind": kind}).json
    assert result["total"] == 1, (word, result)
    return result["items"][0]["highlights"]


def test_a_report_is_highlighted_by_its_comment_and_attachment(api_as, make_user):
    api = api_as(make_user("support", "CS"))
    issue = api.post(
        "/issues",
        json={
            "title": "Fan noise",
            "phenomenon": "a rattle at start",
            "source": "internal",
            "location": "Line 3",
            "analysis": "",
        },
    ).json
    assert (
        api.post(
            f"/issues/{issue['id']}/comments", json={"body": "bearing grease **Kryox** missing"}
        ).status_code
        == 201
    )
    attached = api.upload(
        f"/issues/{issue['id']}/attachments", b"inspection note: shim Zentak cracked\n", "note.txt"
    )
    assert attached.status_code == 201, attached.json
    assert any("<mark>Kryox</mark>" in h for h in marks(api, "Kryox", "issue"))
    assert any("<mark>Zentak</mark>" in h for h in marks(api, "Zentak", "issue"))


def test_a_plan_is_highlighted_by_its_action(api_as, make_user):
    author = make_user("author", "RD")
    api = api_as(author)
    plan = api.post(
        "/plans",
        json={
            "kind": "improvement",
            "title": "Fan noise plan",
            "department": "RD",
            "problem": "rattle",
            "goal": "no rattle",
        },
    ).json
    response = api.post(
        f"/plans/{plan['id']}/measures",
        json={
            "type": "corrective",
            "description": "replace the Vorlix bearing",
            "owner_id": author.id,
            "due_date": (company_today() + timedelta(days=7)).isoformat(),
        },
    )
    assert response.status_code == 201, response.json
    assert any("<mark>Vorlix</mark>" in h for h in marks(api, "Vorlix", "plan"))
