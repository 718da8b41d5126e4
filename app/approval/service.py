"""Apply approval actions: the only code that changes a version's state.

Load, check, change, record, flush; never commit. The state change is a
compare-and-set (UPDATE ... WHERE state = <expected>) and the database
allows one effective version per document, so two approvers acting at once
cannot both win: the loser gets InvalidTransition (409).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.approval.models import Signature
from app.approval.review import next_review_due
from app.approval.states import UNDER_REVIEW, Action, Context, rule_for
from app.audit import record_event
from app.auth.models import User, UserRole
from app.db import utcnow
from app.documents.models import Document, DocumentVersion, VersionState
from app.errors import BadRequest, InvalidTransition, PermissionDenied, ValidationFailed
from app.extensions import db
from app.notify.service import notify
from app.search.outbox import queue_index


def context_for(actor: User, version: DocumentVersion) -> Context:
    document = version.document
    return Context(
        actor_id=actor.id,
        actor_roles=frozenset(actor.roles),
        actor_department_id=actor.department_id,
        author_id=version.author_id,
        document_department_id=document.department_id,
        important=document.important,
    )


def _parse_action(action: str | Action) -> Action:
    try:
        return Action(action)
    except ValueError:
        raise ValidationFailed(
            f"unknown action {action!r}; expected one of {', '.join(Action)}", field="action"
        ) from None


def _check_document_rules(version: DocumentVersion, action: Action, to_state: str) -> None:
    document = version.document
    if action == Action.submit:
        waiting = [v.number for v in document.versions if v.state in UNDER_REVIEW and v.id != version.id]
        if waiting:
            raise InvalidTransition(f"version {waiting[0]} of this document is already under review")
    if to_state == VersionState.effective:
        current = document.effective_version
        if current is not None and current.number > version.number:
            raise InvalidTransition(
                f"version {current.number} is already effective; an older version cannot replace it"
            )


def _compare_and_set(version: DocumentVersion, from_state: str, to_state: str) -> None:
    now = utcnow()
    values: dict = {"state": to_state}
    if to_state == VersionState.in_review:
        values["submitted_at"] = now
    if to_state == VersionState.effective:
        values["effective_at"] = now
        # The previous effective version becomes obsolete first, so the
        # one-effective index never sees two at once.
        db.session.execute(
            update(DocumentVersion)
            .where(DocumentVersion.document_id == version.document_id,
                   DocumentVersion.state == VersionState.effective,
                   DocumentVersion.id != version.id)
            .values(state=VersionState.obsolete, obsolete_at=now)
            .execution_options(synchronize_session=False)
        )
    result = db.session.execute(
        update(DocumentVersion)
        .where(DocumentVersion.id == version.id, DocumentVersion.state == from_state)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise InvalidTransition("the version was changed by someone else meanwhile; reload and try again")
    for sibling in version.document.versions:
        db.session.expire(sibling)


def act(version: DocumentVersion, action: str | Action, *, actor: User, comment: str = "",
        signature_method: str = "token") -> DocumentVersion:
    """Apply ``action`` to ``version`` on behalf of ``actor``."""
    action = _parse_action(action)
    comment = (comment or "").strip()
    from_state = version.state
    rule = rule_for(from_state, action)
    if rule is None:
        raise InvalidTransition(f"cannot {action} a version that is {from_state}")
    ctx = context_for(actor, version)
    if not rule.who(ctx):
        raise PermissionDenied(f"only {rule.who_label} may {action} this version")
    if "comment" in rule.needs and not comment:
        raise ValidationFailed(f"a comment is required to {action}", field="comment")
    to_state = rule.target(ctx)
    _check_document_rules(version, action, to_state)
    try:
        _compare_and_set(version, from_state, to_state)
    except IntegrityError:
        # The one-effective index refused a second effective version: the
        # caller's error handling rolls the whole transaction back.
        raise InvalidTransition("another version became effective meanwhile; reload and try again") from None
    document = version.document
    if to_state == VersionState.effective:
        document.review_due = next_review_due(document, date.today())
    meaning = rule.signature_meaning(ctx)
    if meaning:
        role = "leader" if from_state == VersionState.pending_approval else "dept_head"
        db.session.add(Signature(version_id=version.id, signer_id=actor.id, role=role,
                                 meaning=meaning, method=signature_method, comment=comment))
    record_event(actor, action.value, version, from_state=from_state, to_state=to_state,
                 comment=comment, details={"number": version.number,
                                           **({"signature": meaning} if meaning else {})})
    queue_index("document", document.id)
    _notify(version, to_state, actor, comment)
    db.session.flush()
    return version


def _users_with_role(role: str, department_id: int | None = None) -> list[User]:
    query = select(User).join(UserRole).where(UserRole.role == role, User.active.is_(True))
    if department_id is not None:
        query = query.where(User.department_id == department_id)
    return list(db.session.scalars(query).unique())


def _notify(version: DocumentVersion, to_state: str, actor: User, comment: str) -> None:
    document = version.document
    # A path, not url_for: actions also run outside requests (CLI, demo).
    link = f"/documents/{document.id}"
    label = f"{document.title} v{version.number}"
    if to_state == VersionState.in_review:
        reviewers = [u for u in _users_with_role("dept_head", document.department_id)
                     if u.id != version.author_id]
        notify(reviewers, "review_requested", f"{label}: waiting for your review ({actor.name})", link)
    elif to_state == VersionState.pending_approval:
        leaders = [u for u in _users_with_role("leader") if u.id != version.author_id]
        notify(leaders, "approval_requested", f"{label}: reviewed, waiting for your approval", link)
    elif to_state == VersionState.effective:
        notify([version.author], "approved", f"{label}: approved and now effective ({actor.name})", link)
    elif to_state == VersionState.rejected:
        notify([version.author], "rejected", f"{label}: rejected by {actor.name}: {comment}", link)


# Reading -------------------------------------------------------------------

def inbox_query(user: User):
    """Versions waiting for ``user``'s decision, oldest submission first."""
    conditions = []
    if user.has_role("dept_head"):
        conditions.append(
            (DocumentVersion.state == VersionState.in_review)
            & (Document.department_id == user.department_id)
        )
    if user.has_role("leader"):
        conditions.append(DocumentVersion.state == VersionState.pending_approval)
    if not conditions:
        return None
    from sqlalchemy import or_

    return (
        select(DocumentVersion)
        .join(Document)
        .where(or_(*conditions), DocumentVersion.author_id != user.id)
        .order_by(DocumentVersion.submitted_at, DocumentVersion.id)
    )


def inbox(user: User) -> list[DocumentVersion]:
    query = inbox_query(user)
    return list(db.session.scalars(query)) if query is not None else []


def diff_target(version: DocumentVersion) -> int:
    """The version to compare with: the current effective one, else the previous."""
    effective = version.document.effective_version
    if effective is not None and effective.id != version.id:
        return effective.number
    return max(version.number - 1, 1)


def dashboard_counts(user: User) -> dict[str, int]:
    from sqlalchemy import func

    def count(*where) -> int:
        return db.session.scalar(select(func.count()).select_from(DocumentVersion).where(*where)) or 0

    return {
        "my_drafts": count(DocumentVersion.author_id == user.id, DocumentVersion.state == VersionState.draft),
        "waiting_for_me": len(inbox(user)),
        "my_rejected": count(DocumentVersion.author_id == user.id,
                             DocumentVersion.state == VersionState.rejected),
        "reviews_overdue": _reviews_overdue(user),
        "my_in_review": count(DocumentVersion.author_id == user.id,
                              DocumentVersion.state.in_(UNDER_REVIEW)),
    }


def _reviews_overdue(user: User) -> int:
    from sqlalchemy import func

    from app.approval.review import review_clause
    from app.auth.permissions import visible_documents_clause

    return db.session.scalar(select(func.count()).select_from(Document).where(
        visible_documents_clause(user), review_clause("overdue"))) or 0


def signatures(version: DocumentVersion) -> list[Signature]:
    return list(db.session.scalars(
        select(Signature).where(Signature.version_id == version.id).order_by(Signature.id)))


def require_known_action(action: str) -> None:
    if action not in Action.__members__:
        raise BadRequest(f"unknown action {action!r}")
