"""Watching: a user follows a document or a problem report and hears of
its changes (a new version's state, the report's state), in the app and
by e-mail, or in the daily digest (app.reminders.digest)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from app.auth.models import User
from app.documents.models import Document, DocumentVersion
from app.documents.policy import can_view_document
from app.errors import N_, NotFound, ValidationFailed
from app.extensions import db
from app.issues.forms import STATE_LABELS as ISSUE_STATE_LABELS
from app.issues.models import Issue
from app.issues.policy import can_view_issue
from app.reminders.models import Watch
from app.reminders.service import tell

VERSION_STATE_LABELS = {
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "pending_approval": _l("Pending approval"),
    "effective": _l("Effective"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
    "obsolete": _l("Obsolete"),
    "approved": _l("Approved, pending effective"),
}

TARGETS = ("document", "issue")


def _target(user: User, target: str, target_id: int) -> Document | Issue:
    if target not in TARGETS:
        raise ValidationFailed(N_("one watches a document or an issue"), field="target")
    obj: Document | Issue | None
    if target == "document":
        obj = db.session.get(Document, target_id)
        visible = obj is not None and can_view_document(user, obj)
    else:
        obj = db.session.get(Issue, target_id)
        visible = obj is not None and can_view_issue(user, obj)
    if obj is None or not visible:
        raise NotFound(
            N_("document %(target_id)s not found")
            if target == "document"
            else N_("issue %(target_id)s not found"),
            target_id=target_id,
        )
    return obj


def is_watching(user: User, target: str, target_id: int) -> bool:
    return (
        db.session.scalar(
            select(Watch.id).where(
                Watch.user_id == user.id, Watch.target == target, Watch.target_id == target_id
            )
        )
        is not None
    )


def set_watching(user: User, target: str, target_id: int, on: bool) -> bool:
    """Start or stop watching; idempotent. Returns whether ``user`` now watches."""
    _target(user, target, target_id)
    if on and not is_watching(user, target, target_id):
        db.session.add(Watch(user_id=user.id, target=target, target_id=target_id))
    elif not on:
        db.session.execute(
            delete(Watch).where(
                Watch.user_id == user.id, Watch.target == target, Watch.target_id == target_id
            )
        )
    db.session.flush()
    return on


def watched(user: User) -> list[Watch]:
    return list(db.session.scalars(select(Watch).where(Watch.user_id == user.id).order_by(Watch.id)))


def watched_items(user: User, limit: int = 10) -> tuple[list[Document], list[Issue]]:
    """What ``user`` watches and may still see (newest change first), for
    the dashboard: documents (with their versions) and problem reports."""
    from sqlalchemy.orm import selectinload

    ids = {"document": [], "issue": []}  # type: dict[str, list[int]]
    for row in watched(user):
        ids[row.target].append(row.target_id)
    documents = [
        d
        for d in db.session.scalars(
            select(Document)
            .where(Document.id.in_(ids["document"]))
            .options(selectinload(Document.versions))
            .order_by(Document.updated_at.desc())
        )
        if can_view_document(user, d)
    ][:limit]
    issues = [
        i
        for i in db.session.scalars(select(Issue).where(Issue.id.in_(ids["issue"])).order_by(Issue.id.desc()))
        if can_view_issue(user, i)
    ][:limit]
    return documents, issues


def watchers(target: str, target_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Watch, Watch.user_id == User.id)
            .where(Watch.target == target, Watch.target_id == target_id, User.active.is_(True))
            .order_by(User.id)
        ).unique()
    )


def on_version_state_changed(
    version: DocumentVersion, *, to_state: str, actor: User | None = None, **_
) -> None:
    document = version.document
    people = [
        u
        for u in watchers("document", document.id)
        if (actor is None or u.id != actor.id) and can_view_document(u, document)
    ]
    tell(
        people,
        "watched_document",
        "A document you watch changed: %(what)s is now “%(state)s”.",
        {
            "what": f"{version.label} {document.title}",
            "state": VERSION_STATE_LABELS.get(to_state, to_state),
        },
        f"/documents/{document.id}",
    )


def on_issue_state_changed(issue: Issue, *, to_state: str, actor: User | None = None, **_) -> None:
    people = [
        u
        for u in watchers("issue", issue.id)
        if (actor is None or u.id != actor.id) and can_view_issue(u, issue)
    ]
    tell(
        people,
        "watched_issue",
        "A problem report you watch changed: %(what)s is now “%(state)s”.",
        {"what": f"#{issue.id} {issue.title}", "state": ISSUE_STATE_LABELS.get(to_state, to_state)},
        f"/issues/{issue.id}",
    )
