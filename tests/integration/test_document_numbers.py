"""Document numbers from an admin's pattern, revisions, the number shown and
searchable; gap-free under concurrent creation (PostgreSQL)."""

from __future__ import annotations

import io
import threading

import pytest
from sqlalchemy import select

from app.clock import company_today
from app.documents import numbering
from app.documents.models import Document, revision_label
from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from tests import factories
from tests.databases import PG_URL
from tests.factories import DEFAULT_PASSWORD as PW


@pytest.fixture
def team(make_user):
    return {"author": make_user("author", "RD"), "head": make_user("dept_head", "RD"),
            "admin": make_user("admin", "IT"), "qa": make_user("author", "QC")}


def test_revision_labels():
    assert [revision_label(n, "letters") for n in (1, 3, 26, 27, 28)] == ["A", "C", "Z", "AA", "AB"]
    assert revision_label(12, "numbers") == "12"


def test_default_pattern_numbers_per_prefix(team, make_document):
    first = make_document(team["author"])
    second = make_document(team["author"])
    spec = make_document(team["author"], doc_type="spec")
    qc = make_document(team["qa"], category="quality", doc_type="inspection_report")
    assert [first.number, second.number, spec.number, qc.number] == [
        "RD-MAN-0001", "RD-MAN-0002", "RD-SPC-0001", "QC-INR-0001"]


def test_admin_pattern_and_numbered_revisions(team, make_document):
    numbering.set_pattern(team["admin"], "technical", "manual", "{dept}-{product}-M{seq:03d}", "numbers")
    db.session.commit()
    document = make_document(team["author"], product="X200")
    assert document.number == "RD-X200-M001" and document.revision_scheme == "numbers"
    other = make_document(team["author"], doc_type="spec")  # not covered: the default
    assert other.number == "RD-SPC-0001"


def test_only_admins_set_patterns_and_bad_patterns_are_refused(team):
    with pytest.raises(PermissionDenied):
        numbering.set_pattern(team["head"], "technical", "manual", "{dept}-{seq}")
    for bad, word in (("{dept}-MAN", "{seq}"), ("{dept}-{seq}-{seq}", "{seq}"), ("{owner}-{seq}", "owner"),
                      ("{seq:q}", "number")):
        with pytest.raises(ValidationFailed, match=r"\{seq\}|owner|number") as info:
            numbering.set_pattern(team["admin"], "technical", "manual", bad)
        assert word in info.value.message


def test_a_refused_upload_gives_its_number_back(team, make_document):
    from app.documents import service

    make_document(team["author"])
    db.session.commit()
    with pytest.raises(ValidationFailed):
        service.create_document(team["author"], service.DocumentFields(
            title="empty", category="technical", doc_type="manual", department="RD"),
            service.Upload(io.BytesIO(b""), "empty.txt"))
    db.session.rollback()
    assert make_document(team["author"]).number == "RD-MAN-0002"


def test_number_and_revision_in_api_pages_and_search(team, make_document, api_as, login, client):
    document = make_document(team["author"], title="Calibration procedure", content="torque settings\n")
    base = f"/documents/{document.id}/versions/1/actions"
    assert api_as(team["author"]).post(base, json={"action": "submit"}).status_code == 200
    assert api_as(team["head"]).post(base, json={"action": "approve", "password": PW}).status_code == 200
    factories.add_version(document, team["author"], "torque settings, revised\n")
    body = api_as(team["author"]).get(f"/documents/{document.id}").json
    assert body["number"] == "RD-MAN-0001" and body["revision"] == "A" and body["label"] == "RD-MAN-0001 Rev A"
    assert [v["revision"] for v in body["versions"]] == ["A", "B"]
    listing = api_as(team["qa"]).get("/documents?q=RD-MAN-0001").json
    assert [d["id"] for d in listing["items"]] == [document.id]
    hits = api_as(team["qa"]).get("/search?q=RD-MAN-0001").json
    assert [h["id"] for h in hits["items"]] == [document.id]
    assert api_as(team["qa"]).get("/search?q=RD-MAN-0002").json["items"] == []
    login(team["author"])
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "RD-MAN-0001 Rev A" in page
    assert "RD-MAN-0001 Rev B" in client.get(f"/documents/{document.id}/versions/2").get_data(as_text=True)
    assert "RD-MAN-0001" in client.get("/documents/").get_data(as_text=True)


def test_pattern_api_is_for_admins(team, api_as):
    body = {"category": "quality", "doc_type": "*", "pattern": "QM-{type}-{yyyy}-{seq:03d}"}
    assert api_as(team["head"]).put("/numbering/patterns", json=body).status_code == 403
    response = api_as(team["admin"]).put("/numbering/patterns", json=body)
    assert response.status_code == 200, response.json
    bad = api_as(team["admin"]).put("/numbering/patterns", json={**body, "pattern": "QM-{type}"})
    assert bad.status_code == 400 and bad.json["error"]["field"] == "pattern"
    listed = api_as(team["author"]).get("/numbering/patterns").json
    assert listed["items"] == [{**body, "revisions": "letters"}]
    document = factories.make_document(team["qa"], category="quality", doc_type="inspection_report")

    assert document.number == f"QM-INR-{company_today().year}-001"


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set DOCTRACK_TEST_DATABASE_URL")
def test_eight_threads_create_documents_without_duplicates_or_gaps(app, team):
    per_thread, threads = 5, 8
    author_id = team["author"].id
    errors = []
    barrier = threading.Barrier(threads, timeout=30)

    def create(n):
        with app.app_context():
            try:
                author = db.session.get(type(team["author"]), author_id)
                barrier.wait()
                for i in range(per_thread):
                    factories.make_document(author, title=f"thread {n} doc {i}", content=f"thread {n} {i}\n")
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    workers = [threading.Thread(target=create, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert errors == []
    db.session.expire_all()
    numbers = sorted(db.session.scalars(select(Document.number)))
    assert numbers == [f"RD-MAN-{n:04d}" for n in range(1, per_thread * threads + 1)]
