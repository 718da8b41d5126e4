"""Check-out: an author editing a document elsewhere holds it; others see
who has it and since when, and cannot upload a new version until it is
checked in, or the owning department's head (or an admin) breaks the lock.
Every change of the lock is audited."""

from __future__ import annotations

from sqlalchemy import update

from app.audit import record_event
from app.auth.models import User
from app.db import utcnow
from app.documents.models import Document
from app.documents.policy import can_add_version, can_control_document
from app.errors import N_, InvalidTransition, PermissionDenied
from app.extensions import db


def holder_params(document: Document) -> dict:
    """Who holds the document and since when (a datetime: each reader sees
    it in their own format)."""
    holder = document.checked_out_by
    return {"holder": holder.name if holder else "?", "since": document.checked_out_at}


def check_not_locked(actor: User, document: Document) -> None:
    """Refuse an upload while somebody else holds the document (409)."""
    if document.checked_out_by_id is not None and document.checked_out_by_id != actor.id:
        raise InvalidTransition(
            N_(
                "checked out by %(holder)s since %(since)s: wait until it is checked in,"
                " or ask the department head to break the lock"
            ),
            **holder_params(document),
        )


def may_break(actor: User, document: Document) -> bool:
    """The owning department's head, or an admin (leaders decide, they do not edit)."""
    if actor.has_role("admin"):
        return can_control_document(actor, document)
    return actor.has_role("dept_head") and actor.department_id == document.department_id


def check_out(actor: User, document: Document) -> Document:
    if not can_add_version(actor, document):
        raise PermissionDenied(N_("only those who may revise this document may check it out"))
    if document.checked_out_by_id == actor.id:
        return document
    check_not_locked(actor, document)
    # Compare-and-set: of two authors checking out at once, one gets it.
    result = db.session.execute(
        update(Document)
        .where(Document.id == document.id, Document.checked_out_by_id.is_(None))
        .values(checked_out_by_id=actor.id, checked_out_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    taken = getattr(result, "rowcount", 0)  # a CursorResult: UPDATE reports its row count
    db.session.refresh(document)
    if taken != 1:
        check_not_locked(actor, document)
    record_event(actor, "check_out", document)
    db.session.flush()
    db.session.refresh(document)
    return document


def check_in(actor: User, document: Document, comment: str = "") -> Document:
    """The holder checks in; anyone else allowed to break the lock breaks it."""
    if document.checked_out_by_id is None:
        raise InvalidTransition(N_("the document is not checked out"))
    holder = document.checked_out_by
    assert holder is not None and document.checked_out_at is not None  # checked out, just checked
    if holder.id != actor.id and not may_break(actor, document):
        raise PermissionDenied(
            N_(
                "checked out by %(holder)s since %(since)s; only they, the department head or an admin may release it"
            ),
            **holder_params(document),
        )
    verb = "check_in" if holder.id == actor.id else "break_checkout"
    details = {"holder": holder.email, "since": document.checked_out_at.isoformat()}
    document.checked_out_by_id, document.checked_out_at = None, None
    record_event(actor, verb, document, comment=(comment or "").strip()[:1000], details=details)
    db.session.flush()
    db.session.refresh(document)
    return document
