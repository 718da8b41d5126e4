"""The tamper-evident audit trail: each event carries its hash and the one
before it; `flask audit verify` names the first broken link after a
tamperer gets past the append-only trigger. A document's full record as a
ZIP for an auditor."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile

import pytest
from sqlalchemy import select, text

from app.audit import AuditEvent
from app.extensions import db
from tests.databases import PG_URL
from tests.factories import DEFAULT_PASSWORD as PW


@pytest.fixture
def team(make_user):
    return {
        "author": make_user("author", "RD"),
        "head": make_user("dept_head", "RD"),
        "admin": make_user("admin", "IT"),
    }


@pytest.fixture
def history(team, make_document, api_as):
    document = make_document(team["author"])
    base = f"/documents/{document.id}/versions/1/actions"
    api_as(team["author"]).post(base, json={"action": "submit"})
    api_as(team["head"]).post(base, json={"action": "approve", "password": PW, "comment": "ok"})
    return document


def tamper(sql: str, **params) -> None:
    """What a tamperer with database access does: lift the trigger, change, put it back."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change"))
            conn.execute(text(sql), params)
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_change"))
        else:
            triggers = (
                conn.execute(
                    text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'")
                )
                .scalars()
                .all()
            )
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
            conn.execute(text("DROP TRIGGER audit_event_no_delete"))
            conn.execute(text(sql), params)
            for statement in triggers:
                conn.execute(text(statement))


def event_ids() -> list[int]:
    return list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.chain_seq)))


def test_an_intact_chain_verifies(history, runner):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"intact: {len(event_ids())} events" in result.output


def test_an_edited_event_is_named(history, runner):
    victim = event_ids()[4]
    db.session.remove()
    tamper("UPDATE audit_event SET comment = 'approved without remarks' WHERE id = :id", id=victim)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"event {victim} was changed after it was recorded" in result.output


def test_a_removed_event_and_a_removed_tail_are_found(history, runner):
    ids = event_ids()
    db.session.remove()
    tamper("DELETE FROM audit_event WHERE id = :id", id=ids[-1])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "the newest events were removed" in result.output
    tamper("DELETE FROM audit_event WHERE id = :id", id=ids[2])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"event {ids[3]} is at position 4 where 3 was expected" in result.output


def test_a_rehashed_edit_still_breaks_the_next_link(history, runner):
    """A tamperer who also recomputes the edited event's own hash is caught by the next event."""
    from app.audit import HASHED, event_digest

    ids = event_ids()
    row = dict(
        db.session.execute(select(AuditEvent.__table__).where(AuditEvent.id == ids[3])).mappings().one()
    )
    row["comment"] = "forged"
    db.session.remove()
    tamper(
        "UPDATE audit_event SET comment = 'forged', hash = :h WHERE id = :id",
        h=event_digest({k: row[k] for k in HASHED}),
        id=ids[3],
    )
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"event {ids[4]} does not follow the event before it" in result.output


def test_audit_verify_api_is_for_admins(history, api_as, team):
    assert api_as(team["head"]).get("/audit/verify").status_code == 403
    body = api_as(team["admin"]).get("/audit/verify").json
    assert body["intact"] is True and body["checked"] == len(event_ids())


def test_record_export_for_an_auditor(history, api_as, team, runner, tmp_path):
    url = f"/documents/{history.id}/record.zip"
    assert api_as(team["head"]).get(url).status_code == 403
    response = api_as(team["admin"]).get(url)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert history.number in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["document"]["number"] == history.number and manifest["document"]["revision"] == "A"
    version = manifest["versions"][0]
    assert (
        hashlib.sha256(archive.read(version["file"])).hexdigest()
        == version["sha256"]
        == history.versions[0].sha256
    )
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
    signatures = json.loads(archive.read("signatures.json"))
    assert [(s["meaning"], s["signer"], s["sha256"]) for s in signatures] == [
        ("approved", team["head"].email, version["sha256"])
    ]
    events = json.loads(archive.read("audit_events.json"))
    assert [e["verb"] for e in events][:4] == ["create", "upload_version", "submit", "approve"]
    assert all(e["hash"] for e in events)
    # The export itself is audited; the CLI writes the same record.
    out = tmp_path / "record.zip"
    result = runner.invoke(
        args=["audit", "export", history.number, "--as", team["admin"].email, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "manifest.json" in zipfile.ZipFile(out).namelist()
    verbs = db.session.scalars(select(AuditEvent.verb).where(AuditEvent.document_id == history.id)).all()
    assert verbs.count("export_record") == 2


# Chained at commit (issue 20) -------------------------------------------------


def _verify(runner) -> str:
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    return result.output


def test_events_of_a_rolled_back_savepoint_leave_no_gap(history, runner, team):
    """Events are chained as their transaction commits: one recorded in a
    savepoint that rolled back is not in the chain, and the chain stays whole."""
    from app.audit import record_event

    author = db.session.merge(team["author"])
    kept = record_event(author, "comment", history, comment="kept before")
    savepoint = db.session.begin_nested()
    record_event(author, "comment", history, comment="undone")
    savepoint.rollback()
    after = record_event(author, "comment", history, comment="kept after")
    db.session.commit()
    assert kept.chain_seq is not None and after.chain_seq == kept.chain_seq + 1
    assert after.prev_hash == kept.hash
    comments = db.session.scalars(select(AuditEvent.comment).order_by(AuditEvent.chain_seq)).all()
    assert "undone" not in comments and comments[-2:] == ["kept before", "kept after"]
    assert f"intact: {len(event_ids())} events" in _verify(runner)


def test_the_trigger_lets_only_the_chaining_through(history, team):
    """The one update the append-only trigger allows is setting the chain
    fields of an unchained event; changing its content at the same time, or
    re-chaining a chained event, is refused."""
    from app.audit import record_event

    chained = db.session.scalars(select(AuditEvent).where(AuditEvent.chain_seq.is_not(None))).first()
    fresh = record_event(db.session.merge(team["author"]), "comment", history, comment="pending")
    db.session.flush()
    for sql, target in (
        ("UPDATE audit_event SET chain_seq = 999, comment = 'forged' WHERE id = :id", fresh.id),
        ("UPDATE audit_event SET chain_seq = 999 WHERE id = :id", chained.id),
        ("UPDATE audit_event SET hash = 'x' WHERE id = :id", chained.id),
    ):
        with pytest.raises(Exception, match="append-only"), db.session.begin_nested():
            db.session.execute(text(sql), {"id": target})
    db.session.rollback()


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set DOCTRACK_TEST_DATABASE_URL")
def test_a_recording_transaction_does_not_hold_up_other_writers(app, history, team, runner):
    """The chain head is locked as a transaction commits, not from its first
    event: a request that has recorded an event and is still working does
    not make another writer wait (before issue 20's change the second writer
    waited for the first one's commit)."""
    from app.audit import record_event
    from app.auth.models import User

    author_id, document_id = team["author"].id, history.id
    first = record_event(db.session.get(User, author_id), "comment", history, comment="slow request")
    db.session.flush()  # the first transaction's event is written, not committed
    done = threading.Event()

    def second_writer():
        with app.app_context():
            from app.documents.models import Document

            record_event(
                db.session.get(User, author_id),
                "comment",
                db.session.get(Document, document_id),
                comment="quick",
            )
            db.session.commit()
            done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    assert done.wait(10), "the second writer waited for the first transaction's commit"
    thread.join()
    db.session.commit()
    assert first.chain_seq is not None
    assert f"intact: {len(event_ids())} events" in _verify(runner)
