"""Two approvers acting at the same moment: one wins, the other gets 409."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.approval import service
from app.approval.models import Signature
from app.extensions import db
from tests.databases import PG_URL
from tests.factories import DEFAULT_PASSWORD as PW

pytestmark = pytest.mark.postgres


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set DOCTRACK_TEST_DATABASE_URL")
def test_two_heads_approve_the_same_version_at_once(app, api_as, make_user, make_document, monkeypatch):
    author = make_user("author", "RD")
    heads = [make_user("dept_head", "RD"), make_user("dept_head", "RD")]
    document = make_document(author)
    document.versions[0].state = "in_review"
    db.session.commit()
    apis = [api_as(head) for head in heads]
    url = f"/api/v1/documents/{document.id}/versions/1/actions"
    # Both requests have read the version as in_review before either writes.
    barrier = threading.Barrier(2, timeout=10)
    original = service._compare_and_set

    def both_read_then_write(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(service, "_compare_and_set", both_read_then_write)
    results = []

    def approve(api):
        client = app.test_client()
        response = client.post(url, json={"action": "approve", "password": PW}, headers=api.headers)
        results.append(response.status_code)

    threads = [threading.Thread(target=approve, args=(api,)) for api in apis]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [200, 409]
    db.session.expire_all()
    assert document.versions[0].state == "effective"
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 1


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set DOCTRACK_TEST_DATABASE_URL")
def test_two_versions_cannot_both_become_effective(app, api_as, make_user, make_document, monkeypatch):
    from tests.factories import add_version

    author = make_user("author", "RD")
    head_a, head_b = make_user("dept_head", "RD"), make_user("dept_head", "RD")
    document = make_document(author)
    add_version(document, author, "second")
    # Bypass the one-under-review rule to reach the database constraint.
    document.versions[0].state = "in_review"
    document.versions[1].state = "in_review"
    db.session.commit()
    barrier = threading.Barrier(2, timeout=10)
    original = service._compare_and_set
    monkeypatch.setattr(service, "_compare_and_set", lambda *a, **k: (barrier.wait(), original(*a, **k))[1])
    results = []
    base = f"/api/v1/documents/{document.id}/versions"

    def approve(headers, number):
        response = app.test_client().post(
            f"{base}/{number}/actions", json={"action": "approve", "password": PW}, headers=headers
        )
        results.append(response.status_code)

    threads = [
        threading.Thread(target=approve, args=(api_as(head_a).headers, 1)),
        threading.Thread(target=approve, args=(api_as(head_b).headers, 2)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [200, 409]
    db.session.expire_all()
    assert sum(v.state == "effective" for v in document.versions) == 1


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set DOCTRACK_TEST_DATABASE_URL")
def test_a_decision_and_a_new_version_of_one_document_do_not_deadlock(
    app, api_as, make_user, make_document, monkeypatch
):
    """A new version locks its document for numbering; a rejection of the
    same document meanwhile takes the audit-chain head and writes an event
    that refers to the document. With the lock taken FOR UPDATE the two
    waited for each other (PostgreSQL's deadlock detector answered one of
    them 503, seen under bench/load_test.py); both must succeed."""
    import io

    from app.documents import service as documents

    author = make_user("author", "RD")
    head = make_user("dept_head", "RD")
    document = make_document(author)
    document.versions[0].state = "in_review"
    db.session.commit()
    document_id = document.id
    author_api, head_api = api_as(author), api_as(head)
    locked, decided = threading.Event(), threading.Event()
    original = documents._lock_for_numbering

    def lock_then_let_the_approval_run(document_id):
        original(document_id)
        locked.set()
        decided.wait(5)  # the decision, if it can finish while we hold the lock

    monkeypatch.setattr(documents, "_lock_for_numbering", lock_then_let_the_approval_run)
    results = {}

    def upload():
        response = app.test_client().post(
            f"/api/v1/documents/{document_id}/versions",
            data={"change_note": "torque values", "file": (io.BytesIO(b"# v2\n\nM4 1.2 N m\n"), "v2.md")},
            content_type="multipart/form-data",
            headers=author_api.headers,
        )
        results["upload"] = (response.status_code, response.get_json())

    def decide():
        locked.wait(10)
        response = app.test_client().post(
            f"/api/v1/documents/{document_id}/versions/1/actions",
            # A rejection writes no document row, only rows that refer to it.
            json={"action": "reject", "password": PW, "comment": "torque table missing"},
            headers=head_api.headers,
        )
        results["decision"] = (response.status_code, response.get_json())
        decided.set()

    threads = [threading.Thread(target=upload), threading.Thread(target=decide)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results["decision"][0] == 200, results["decision"]
    assert results["upload"][0] == 201, results["upload"]
