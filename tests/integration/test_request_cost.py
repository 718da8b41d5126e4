"""Work per request (issue 20): token authentication is one query, and the
list and detail views do not load row by row (their query count does not
grow with the number of rows shown)."""

from __future__ import annotations

import contextlib
import io

import pytest
from sqlalchemy import event

from app.errors import UnsupportedFileType
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


def _list_reads(seen: list[str]) -> set[str]:
    tables = (
        "issue_comment",
        "issue_reply",
        "issue_follow_up",
        "issue_link",
        "issue_attachment",
        "issue_team",
    )
    return {t for s in seen for t in tables if s.lstrip().upper().startswith(f"SELECT {t.upper()}.")}


def test_a_problem_report_reads_only_the_lists_that_have_rows(api_as, make_user):
    """One query says which of a report's lists have rows; the empty ones
    are not asked for, the others are read and shown in full."""
    support = api_as(make_user("support", "CS"))
    issue = support.post("/issues", json={"title": "X200 過熱", "phenomenon": "停機"}).json
    path = f"/issues/{issue['id']}"
    db.session.remove()
    with statements() as seen:
        body = support.get(path).json
    assert body["comments"] == [] and body["links"] == [] and body["replies"] == [] and body["team"] == []
    assert _list_reads(seen) == set()
    support.post(f"{path}/comments", json={"body": "客戶回報第二台"})
    db.session.remove()
    with statements() as seen:
        body = support.get(path).json
    assert [c["body"] for c in body["comments"]] == ["客戶回報第二台"]
    assert _list_reads(seen) == {"issue_comment"}
    assert support.get("/issues/999999").status_code == 404


def _before_indexing(seen: list[str]) -> list[str]:
    """The request's own statements: the tests index inline after the
    commit (the service's indexer is another process), in a session of its own."""
    starts = [i for i, s in enumerate(seen) if "index_node" in s]
    return seen[: starts[0]] if starts else seen


def test_an_action_answers_from_what_it_wrote_without_reloading(api_as, make_user):
    """After its commit a request does not read back what it just wrote
    (the session no longer expires its objects on commit inside a request):
    the body still shows the new state."""
    support = api_as(make_user("support", "CS"))
    make_user("dept_head", "RD")
    issue = support.post("/issues", json={"title": "X200 過熱", "phenomenon": "停機"}).json
    db.session.remove()
    with statements() as seen:
        response = support.post(
            f"/issues/{issue['id']}/actions",
            json={"action": "triage", "category": "quality", "severity": 2, "department": "RD"},
        )
    assert response.status_code == 200, response.json
    assert response.json["state"] == "triaged" and response.json["department"] == "RD"
    issue_reads = [s for s in _before_indexing(seen) if s.lstrip().upper().startswith("SELECT ISSUE.ID")]
    assert len(issue_reads) == 1, issue_reads  # loaded once, not again after the commit


def test_a_new_report_does_not_ask_for_its_empty_lists(api_as, make_user):
    support = api_as(make_user("support", "CS"))
    db.session.remove()
    with statements() as seen:
        response = support.post("/issues", json={"title": "X200 噪音", "phenomenon": "異音"})
    assert response.status_code == 201
    assert response.json["comments"] == [] and response.json["replies"] == []
    for table in ("issue_comment", "issue_reply", "issue_follow_up", "issue_link"):
        assert not [
            s for s in _before_indexing(seen) if s.lstrip().upper().startswith(f"SELECT {table.upper()}.")
        ], table


def test_a_small_text_upload_is_read_without_a_child_process(api_as, make_user, monkeypatch, tmp_path):
    """Small Markdown and plain text are decoded in the worker; a fork cost
    more than the read (PDF, DOCX, images and large text still go to the
    bounded child, which test_hostile_files covers)."""
    from app.documents import sandbox

    def no_fork(*args, **kwargs):
        raise AssertionError("a reader process was started for a small text file")

    monkeypatch.setattr(sandbox.multiprocessing, "get_context", no_fork)
    author = api_as(make_user("author", "RD"))
    response = author.post(
        "/documents",
        data={
            "title": "X200 torque table",
            "category": "technical",
            "doc_type": "manual",
            "department": "RD",
            "file": (io.BytesIO("# 扭力表\n\nM4 螺絲 1.2 N·m\n".encode()), "torque.md"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    assert response.json["versions"][0]["text_status"] == "ok"
    big = tmp_path / "big.md"  # over 1 MB: the child reads it
    big.write_bytes(("# 扭力表\n" + "M4 螺絲 1.2 N·m\n" * 80_000).encode())
    assert big.stat().st_size > sandbox.INLINE_TEXT_BYTES
    small_pdf = tmp_path / "small.pdf"  # small, but a PDF: its parser runs in the child
    small_pdf.write_bytes(b"%PDF-1.7\n" + b"0" * 100)
    for path in (big, small_pdf):
        with pytest.raises(AssertionError, match="reader process"):
            sandbox.inspect_bounded(path, path.name, max_unpacked_bytes=1 << 30, timeout_s=5, memory_mb=256)
    binary = tmp_path / "blob.txt"  # small binary named .txt: refused in the worker, as before
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(UnsupportedFileType):
        sandbox.inspect_bounded(binary, binary.name, max_unpacked_bytes=1 << 30, timeout_s=5, memory_mb=256)


def test_a_decision_does_not_read_back_the_versions_it_changed(api_as, make_user, make_document):
    """Submitting and approving update the version in the database and in
    the session alike: nothing is read back after the update, and the body
    and the next page show the new states (the old effective one obsolete)."""
    from tests.factories import DEFAULT_PASSWORD

    author, head = make_user("author", "RD"), make_user("dept_head", "RD")
    document = make_document(author)
    writer, approver = api_as(author), api_as(head)
    base = f"/documents/{document.id}/versions"
    for number in (1, 2):
        if number == 2:
            added = writer.post(
                base,
                data={
                    "change_note": "torque revised",
                    "file": (io.BytesIO(b"X200 torque 1.3 N m\n"), "t.md"),
                },
                content_type="multipart/form-data",
            )
            assert added.status_code == 201, added.json
        for api, payload, state in (
            (writer, {"action": "submit"}, "in_review"),
            (approver, {"action": "approve", "password": DEFAULT_PASSWORD}, "effective"),
        ):
            db.session.remove()
            with statements() as seen:
                response = api.post(f"{base}/{number}/actions", json=payload)
            assert response.status_code == 200, response.json
            assert response.json["state"] == state
            own = _before_indexing(seen)
            update_at = next(
                i for i, s in enumerate(own) if s.lstrip().upper().startswith("UPDATE DOCUMENT_VERSION")
            )
            assert not [
                s for s in own[update_at:] if s.lstrip().upper().startswith("SELECT DOCUMENT_VERSION.ID")
            ], own[update_at:]
    states = {v["number"]: v["state"] for v in writer.get(f"/documents/{document.id}").json["versions"]}
    assert states == {1: "obsolete", 2: "effective"}


def test_notifying_several_people_asks_their_delivery_choices_once(app, make_user):
    """Each recipient still gets the delivery they chose (an e-mail only
    for "immediate"), from one query for all of them."""
    from app.notify import service as notify

    people = [make_user("dept_head", "RD") for _ in range(3)]
    notify.set_preferences(people[1], {"approvals": "daily"})
    db.session.commit()
    with statements() as seen:
        notify.notify(
            people, "approval_requested", "%(title)s waits for you", "/documents/1", title="X200 manual"
        )
        db.session.flush()
    asked = [s for s in seen if "notification_preference" in s]
    assert len(asked) == 1, asked
    mailed = [entry[0] for entry in db.session.info.get("doctrack.outgoing_mail", [])]
    assert mailed == [people[0].email, people[2].email]
    db.session.rollback()


def test_the_approval_inbox_is_read_a_page_at_a_time(api_as, make_user, make_document):
    """The inbox pages like every list: the pages hold the whole queue in
    the order of the HTML inbox, the total counts all, and a page loads
    only its own versions (issue 20: a long queue was one response that
    grew without end)."""
    from app.approval import service as approval
    from app.auth.models import User

    authors = [make_user("author", "RD").id for _ in range(3)]
    head_user = make_user("dept_head", "RD")
    head = api_as(head_user)
    for author in authors:
        _submitted(make_document, author, 9)
    everything = [
        (w.version.document_id, w.version.number) for w in approval.inbox(db.session.get(User, head_user.id))
    ]
    assert len(everything) == 27
    pages = [head.get("/approvals/inbox", query_string={"page": p, "per_page": 10}).json for p in (1, 2, 3)]
    assert [p["total"] for p in pages] == [27, 27, 27]
    assert [len(p["items"]) for p in pages] == [10, 10, 7]
    assert [(i["document_id"], i["version"]) for p in pages for i in p["items"]] == everything
    first = head.get("/approvals/inbox").json
    assert (first["page"], first["per_page"], len(first["items"])) == (1, 20, 20)
    assert head.get("/approvals/inbox", query_string={"per_page": 101}).status_code in (400, 422)
    db.session.remove()
    with statements() as seen:
        assert head.get("/approvals/inbox", query_string={"per_page": 5}).status_code == 200
    version_rows = [s for s in seen if "FROM document_version" in s and "LIMIT" in s.upper()]
    assert version_rows, seen


def test_the_inbox_does_not_read_the_other_versions_of_its_documents(api_as, make_user, make_document):
    # The link to compare needs the number of the version in force only.
    from tests.factories import add_version

    author = make_user("author", "RD")
    head_user = make_user("dept_head", "RD")
    head = api_as(head_user)
    document = make_document(author, title="pump manual")
    for n in range(2, 9):
        add_version(document, author, f"edition {n}\n")
    api_as(author).post(f"/documents/{document.id}/versions/8/actions", json={"action": "submit"})
    db.session.remove()
    with statements() as seen:
        items = head.get("/approvals/inbox").json["items"]
    assert [(i["version"], i["diff_url"].split("from=")[1]) for i in items] == [(8, "7")]
    reads = [s for s in seen if "FROM document_version" in s]
    assert len(reads) == 2, reads  # the page (with the number in force) and the count


def test_a_refused_call_does_not_read_the_user_back(api_as, make_user):
    # The error handler rolls back, which expires the signed-in user; the
    # answer's language used to be chosen after that, from the user read
    # back with their roles.
    user = make_user("author", "RD")
    user.locale = "zh_Hant"
    db.session.commit()
    api = api_as(user)
    db.session.remove()
    with statements() as seen:
        response = api.get("/documents/999999")
    assert response.status_code == 404
    assert response.json["error"]["locale"] == "zh_Hant"
    assert response.json["error"]["localized_message"] != response.json["error"]["message"]
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 2, reads  # the token's user, the document


def _document_by(make_document, authors) -> int:
    from tests.factories import add_version

    document = make_document(authors[0], title="Pump manual", content="first\n")
    for n, author in enumerate(authors[1:], start=2):
        add_version(document, author, f"edition {n}\n")
    return document.id


@pytest.mark.parametrize("path", ["/documents/{id}", "/documents"])
def test_a_document_s_versions_are_read_with_their_authors_at_once(api_as, make_user, make_document, path):
    # Each version names its author, and the author's address is shown only
    # to those who may see it (which asks the author's roles): one author or
    # four, the page costs the same.
    one = _document_by(make_document, [make_user("author", "RD")] * 4)
    four = _document_by(make_document, [make_user("author", "RD") for _ in range(4)])
    reader = api_as(make_user("qc", "RD"))
    few = _cost(reader, path.format(id=one))
    many = _cost(reader, path.format(id=four))
    assert many == few
    body = reader.get(path.format(id=four)).json
    versions = body["versions"] if "versions" in body else body["items"][0]["versions"]
    assert len({v["author_name"] for v in versions}) == 4


def test_the_web_list_reads_no_version_authors(client, login, make_user, make_document):
    # The list shows the effective and the latest version, never who wrote
    # them: ten versions by four people cost what one version costs, and no
    # statement reads the people table beyond the signed-in user.
    from tests.factories import add_version

    authors = [make_user("author", "RD") for _ in range(4)]
    document = make_document(authors[0], title="Pump manual", content="first\n")
    document_id = document.id
    login(make_user("qc", "RD"))
    db.session.remove()
    with statements() as seen:
        assert client.get("/documents/").status_code == 200
    one = len(seen)
    from app.documents.models import Document

    for n in range(2, 11):
        add_version(db.session.get(Document, document_id), db.session.merge(authors[n % 4]), f"edition {n}\n")
    db.session.remove()
    with statements() as seen:
        page = client.get("/documents/").get_data(as_text=True)
    assert "v10" in page
    assert len(seen) == one
    people = [s for s in seen if "user_account" in s]
    assert len(people) == 1, people  # the session's user, no version's author
