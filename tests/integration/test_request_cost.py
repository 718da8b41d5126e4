"""Work per request (issue 20): token authentication is one query, and the
list and detail views do not load row by row (their query count does not
grow with the number of rows shown)."""

from __future__ import annotations

import contextlib

from sqlalchemy import event

from app.extensions import db


@contextlib.contextmanager
def statements():
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_token_authentication_is_one_query(api_as, make_user):
    api = api_as(make_user(["author", "qc"], "RD"))
    db.session.remove()
    with statements() as seen:
        response = api.get("/notifications")
    assert response.status_code == 200
    auth = [s for s in seen if "api_token" in s]
    assert len(auth) == 1, auth
    assert not [s for s in seen if s.lstrip().upper().startswith("SELECT USER_ROLE")], seen


def test_the_one_query_still_refuses_a_deactivated_user(api_as, make_user):
    from app.auth import service as auth

    user = make_user("author", "RD")
    api = api_as(user)
    assert api.get("/notifications").status_code == 200
    auth.set_active(make_user("admin", "RD"), user, False)
    db.session.commit()
    assert api.get("/notifications").status_code == 401


def _submitted(make_document, author_id: int, n: int):
    from app.approval import service as approval
    from app.auth.models import User

    author = db.session.get(User, author_id)
    for i in range(n):
        document = make_document(author, title=f"X{i} manual", content=f"X{i} manual text\n")
        approval.act(document.versions[0], "submit", actor=author)
    db.session.commit()


def _cost(api, path: str) -> int:
    db.session.remove()
    with statements() as seen:
        response = api.get(path)
    assert response.status_code == 200, response.json
    return len(seen)


def test_the_approval_inbox_does_not_load_row_by_row(api_as, make_user, make_document):
    authors = [make_user("author", "RD").id for _ in range(2)]
    head = api_as(make_user("dept_head", "RD"))
    _submitted(make_document, authors[0], 2)
    few = _cost(head, "/approvals/inbox")
    _submitted(make_document, authors[1], 6)
    assert head.get("/approvals/inbox").json["total"] == 8
    assert _cost(head, "/approvals/inbox") == few


def test_a_problem_report_does_not_load_comment_by_comment(api_as, make_user):
    people = [make_user("support", "CS") for _ in range(5)]
    first = api_as(people[0])
    issue = first.post("/issues", json={"title": "X200 過熱", "phenomenon": "停機"}).json
    first.post(f"/issues/{issue['id']}/comments", json={"body": "first"})
    few = _cost(first, f"/issues/{issue['id']}")
    for person in people[1:]:
        api_as(person).post(f"/issues/{issue['id']}/comments", json={"body": "me too"})
    assert len(first.get(f"/issues/{issue['id']}").json["comments"]) == 5
    assert _cost(first, f"/issues/{issue['id']}") == few
