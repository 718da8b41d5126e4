"""Apply approval actions: the only code that changes a version's state.

Load, check, change, record, flush; never commit. The state change is a
compare-and-set (UPDATE ... WHERE state = <expected>) and the database
allows one effective version per document, so two approvers acting at once
cannot both win: the loser gets InvalidTransition (409).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app import limits
from app.approval.models import Signature
from app.approval.states import UNDER_REVIEW, WAITING, Action, Context, route_for, rule_for
from app.audit import record_event
from app.auth.models import User
from app.auth.service import reauthenticate
from app.clock import company_today
from app.db import utcnow
from app.documents import signals
from app.documents.models import Document, DocumentVersion, VersionState
from app.documents.review import mark_reviewed
from app.errors import N_, BadRequest, InvalidTransition, PermissionDenied, ValidationFailed
from app.extensions import db
from app.labels import Label

# A signature made by the service itself (demo data), not by a person.
SYSTEM = "system"


def context_for(actor: User, version: DocumentVersion) -> Context:
    """The facts the rules need. A submitted version carries its own route;
    a draft's is what a submission would fix now."""
    document = version.document
    submitted = version.approval_route is not None and version.state in UNDER_REVIEW
    return Context(
        actor_id=actor.id,
        actor_roles=frozenset(actor.roles),
        actor_department_id=actor.department_id,
        author_id=version.author_id,
        document_department_id=document.department_id,
        route=version.route if submitted else route_for(document.important),
        effective_later=version.effective_on is not None and version.effective_on > company_today(),
    )


def _parse_action(action: str | Action) -> Action:
    try:
        return Action(action)
    except ValueError:
        raise ValidationFailed(
            N_("unknown action %(action)r; expected one of %(value)s"),
            field="action",
            action=action,
            value=", ".join(Action),
        ) from None


def _check_document_rules(version: DocumentVersion, action: Action, to_state: str) -> None:
    document = version.document
    if action == Action.submit:
        waiting = [v for v in document.versions if v.state in WAITING and v.id != version.id]
        if waiting and waiting[0].state == VersionState.approved:
            raise InvalidTransition(
                N_("version %(number)s of this document is approved and waiting for its effective date"),
                number=waiting[0].number,
            )
        if waiting:
            raise InvalidTransition(
                N_("version %(number)s of this document is already under review"), number=waiting[0].number
            )
    if to_state in (VersionState.effective, VersionState.approved):
        current = document.effective_version
        if current is not None and current.number > version.number:
            raise InvalidTransition(
                N_("version %(current_number)s is already effective; an older version cannot replace it"),
                current_number=current.number,
            )


def _compare_and_set(version: DocumentVersion, from_state: str, to_state: str) -> None:
    now = utcnow()
    values: dict = {"state": to_state}
    if to_state == VersionState.in_review:
        document = version.document
        values["submitted_at"] = now
        values["approval_route"] = ",".join(route_for(document.important))
    obsoleted: set[int] = set()
    if to_state == VersionState.effective:
        values["effective_at"] = now
        # The previous effective version becomes obsolete first, so the
        # one-effective index never sees two at once.
        obsoleted = set(
            db.session.scalars(
                update(DocumentVersion)
                .where(
                    DocumentVersion.document_id == version.document_id,
                    DocumentVersion.state == VersionState.effective,
                    DocumentVersion.id != version.id,
                )
                .values(state=VersionState.obsolete, obsolete_at=now)
                .returning(DocumentVersion.id)
                .execution_options(synchronize_session=False)
            )
        )
    row = db.session.execute(
        update(DocumentVersion)
        .where(DocumentVersion.id == version.id, DocumentVersion.state == from_state)
        .values(**values)
        .returning(DocumentVersion.id)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        raise InvalidTransition(N_("the version was changed by someone else meanwhile; reload and try again"))
    # The session's copies take what was written, instead of being expired
    # and read back (issue 20: two queries per decision).
    for key, value in values.items():
        set_committed_value(version, key, value)
    for sibling in version.document.versions:
        if sibling.id in obsoleted:
            set_committed_value(sibling, "state", VersionState.obsolete)
            set_committed_value(sibling, "obsolete_at", now)


def act(
    version: DocumentVersion,
    action: str | Action,
    *,
    actor: User,
    comment: str = "",
    password: str | None = None,
    system: bool = False,
) -> DocumentVersion:
    """Apply ``action`` to ``version`` on behalf of ``actor``.

    Checks run in this order, so that a wrong password is answered the same
    whatever the state: the action exists for the state (409), the actor
    may take it (403), its requirements (400), then, for an action that
    signs, the actor's password given with this very request (401;
    ``system`` is for data the service loads itself).
    """
    action = _parse_action(action)
    comment = (comment or "").strip()
    limits.check_length(comment, limits.LONG_TEXT, "comment")
    from_state = version.state
    rule = rule_for(from_state, action)
    if rule is None:
        raise InvalidTransition(
            N_("cannot %(action)s a version that is %(from_state)s"),
            action=Label(action, "action"),
            from_state=Label(from_state, "state"),
        )
    ctx = context_for(actor, version)
    on_behalf_of = None
    if not rule.who(ctx):
        # A deputy decides for an absent approver (app.reminders.delegation).
        on_behalf_of = deciding_for(actor, version, action)
        if on_behalf_of is None:
            raise PermissionDenied(
                N_("only %(rule_who_label)s may %(action)s this version"),
                rule_who_label=Label(rule.who_label, "who"),
                action=Label(action, "action"),
            )
        ctx = context_for(on_behalf_of, version)
    if "comment" in rule.needs and not comment:
        raise ValidationFailed(
            N_("a comment is required to %(action)s"), field="comment", action=Label(action, "action")
        )
    meaning = rule.signature_meaning(ctx)
    method = _prove_identity(actor, password, system) if meaning else ""
    to_state = rule.target(ctx)
    _check_document_rules(version, action, to_state)
    try:
        _compare_and_set(version, from_state, to_state)
    except IntegrityError:
        # The one-effective index refused a second effective version: the
        # caller's error handling rolls the whole transaction back.
        raise InvalidTransition(
            N_("another version became effective meanwhile; reload and try again")
        ) from None
    document = version.document
    if to_state == VersionState.effective:
        mark_reviewed(document, company_today())
    if meaning:
        role = "leader" if from_state == VersionState.pending_approval else "dept_head"
        signature = _sign(version, actor, role=role, meaning=meaning, method=method, comment=comment)
        signature.on_behalf_of_id = on_behalf_of.id if on_behalf_of is not None else None
    behalf = {"on_behalf_of": on_behalf_of.email} if on_behalf_of is not None else {}
    record_event(
        actor,
        action.value,
        version,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        details={"number": version.number, **({"signature": meaning} if meaning else {}), **behalf},
    )
    signals.document_changed.send(document.id)
    signals.version_state_changed.send(
        version, from_state=from_state, to_state=to_state, actor=actor, comment=comment
    )
    db.session.flush()
    return version


DELEGABLE = (Action.approve, Action.reject)


def deciding_for(actor: User, version: DocumentVersion, action: Action) -> User | None:
    """The absent approver ``actor`` stands in for on this decision, if any:
    a running delegation whose delegator the rules allow to decide. Never
    on the deputy's own version."""
    from app.reminders.delegation import delegators_of

    rule = rule_for(version.state, action)
    if action not in DELEGABLE or rule is None or version.author_id == actor.id:
        return None
    for delegator in delegators_of(actor):
        if rule.who(context_for(delegator, version)):
            return delegator
    return None


def make_due_versions_effective(today: date | None = None) -> list[DocumentVersion]:
    """Approved versions whose effective date has come become effective, and
    the version they replace obsolete (the scheduler's job, daily and at
    start). Each is a compare-and-set from "approved": running twice, or in
    two processes at once, makes each version effective once."""
    today = today or company_today()
    due = db.session.scalars(
        select(DocumentVersion)
        .where(DocumentVersion.state == VersionState.approved, DocumentVersion.effective_on <= today)
        .order_by(DocumentVersion.effective_on, DocumentVersion.id)
    ).all()
    done = []
    for version in due:
        try:
            with db.session.begin_nested():
                _check_document_rules(version, Action.approve, VersionState.effective)
                _compare_and_set(version, VersionState.approved, VersionState.effective)
        except (InvalidTransition, IntegrityError):
            continue  # another process did it, or a newer version is effective
        mark_reviewed(version.document, today)
        record_event(
            None,
            "take_effect",
            version,
            from_state=VersionState.approved,
            to_state=VersionState.effective,
            details={"number": version.number, "effective_on": str(version.effective_on)},
        )
        signals.document_changed.send(version.document_id)
        signals.version_state_changed.send(
            version, from_state=VersionState.approved, to_state=VersionState.effective, actor=None, comment=""
        )
        done.append(version)
    db.session.flush()
    return done


def _prove_identity(actor: User, password: str | None, system: bool) -> str:
    if system:
        return SYSTEM
    reauthenticate(actor, password)
    return "password"


def _sign(
    version: DocumentVersion, actor: User, *, role: str, meaning: str, method: str, comment: str
) -> Signature:
    signature = Signature(
        version_id=version.id,
        signer_id=actor.id,
        role=role,
        meaning=meaning,
        method=method,
        sha256=version.sha256,
        comment=comment,
    )
    db.session.add(signature)
    return signature


def can_record_review(actor: User, document: Document) -> bool:
    """A periodic review is signed by the head of the owning department."""
    return actor.has_role("dept_head") and actor.department_id == document.department_id


def record_review(
    document: Document, *, actor: User, comment: str = "", password: str | None = None, system: bool = False
) -> Signature:
    """ "Reviewed, no change": the head signs the effective version and the
    next review counts from today. The only way to clear a due review
    besides making a new version effective."""
    limits.check_length(comment, limits.LONG_TEXT, "comment")
    version = document.effective_version
    if version is None:
        raise InvalidTransition(N_("only a document with an effective version can be reviewed"))
    if not can_record_review(actor, document):
        raise PermissionDenied(N_("only the head of the owning department may record a periodic review"))
    method = _prove_identity(actor, password, system)
    before = document.review_due
    mark_reviewed(document, company_today())
    signature = _sign(
        version,
        actor,
        role="dept_head",
        meaning="periodic_review",
        method=method,
        comment=(comment or "").strip(),
    )
    record_event(
        actor,
        "periodic_review",
        document,
        comment=signature.comment,
        details={
            "number": version.number,
            "review_due": [str(before) if before else None, str(document.review_due)],
        },
    )
    signals.document_changed.send(document.id)
    db.session.flush()
    return signature


# Reading -------------------------------------------------------------------


def _inbox_conditions(user: User) -> list:
    conditions: list = []
    if user.has_role("dept_head"):
        conditions.append(
            (DocumentVersion.state == VersionState.in_review) & (Document.department_id == user.department_id)
        )
    if user.has_role("leader"):
        conditions.append(DocumentVersion.state == VersionState.pending_approval)
    return conditions


def _with_inbox_rows(query):
    from sqlalchemy.orm import contains_eager, joinedload

    # What the dashboard's list of waiting decisions shows, loaded with it:
    # the document and its versions (for its label: number and effective
    # revision) and the author, not one query per row.
    return query.options(
        contains_eager(DocumentVersion.document).selectinload(Document.versions),
        joinedload(DocumentVersion.author),
    )


def inbox_query(user: User):
    """Versions waiting for ``user``'s decision, oldest submission first."""
    conditions = _inbox_conditions(user)
    if not conditions:
        return None
    from sqlalchemy import or_

    return _with_inbox_rows(
        select(DocumentVersion)
        .join(Document)
        .where(or_(*conditions), DocumentVersion.author_id != user.id)
        .order_by(DocumentVersion.submitted_at, DocumentVersion.id)
    )


def _inbox_where(user: User):
    """What ``inbox`` gathers (the user's own and their delegators'
    decisions, never their own versions) as one condition, or None."""
    from sqlalchemy import and_, or_

    from app.reminders.delegation import delegators_of

    waiting = []
    for person in [user, *delegators_of(user)]:
        conditions = _inbox_conditions(person)
        if conditions:
            waiting.append(and_(or_(*conditions), DocumentVersion.author_id != person.id))
    if not waiting:
        return None
    return and_(or_(*waiting), DocumentVersion.author_id != user.id)


def _count_waiting(where) -> int:
    return (
        db.session.scalar(select(func.count()).select_from(DocumentVersion).join(Document).where(where)) or 0
    )


@dataclass(frozen=True)
class Waiting:
    """A version in someone's inbox and the version to compare it with: the
    document's effective one, else the one before it."""

    version: DocumentVersion
    compare_to: int


def _waiting(where) -> Select:
    from sqlalchemy.orm import aliased, contains_eager, joinedload

    # The effective version's number is asked in the same query: the inbox
    # needs nothing else of the document's other versions, and loading them
    # all for it made the inbox the slowest page of the soak.
    effective = aliased(DocumentVersion)
    effective_number = (
        select(effective.number)
        .where(
            effective.document_id == DocumentVersion.document_id, effective.state == VersionState.effective
        )
        .correlate(DocumentVersion)
        .scalar_subquery()
    )
    return (
        select(DocumentVersion, effective_number)
        .join(Document)
        .where(where)
        .options(contains_eager(DocumentVersion.document), joinedload(DocumentVersion.author))
        .order_by(DocumentVersion.submitted_at.is_(None), DocumentVersion.submitted_at, DocumentVersion.id)
    )


def _as_waiting(rows) -> list[Waiting]:
    return [
        Waiting(version, effective if effective is not None else max(version.number - 1, 1))
        for version, effective in rows
    ]


def inbox_count(user: User) -> int:
    where = _inbox_where(user)
    return 0 if where is None else _count_waiting(where)


def inbox_page(user: User, page: int, per_page: int) -> tuple[list[Waiting], int]:
    """One page of ``inbox`` (the same versions in the same order) and how
    many there are, read a page at a time: a long queue no longer loads
    every waiting version with all of its document's versions (issue 20's
    soak: the inbox was the one response that kept growing)."""
    where = _inbox_where(user)
    if where is None:
        return [], 0
    rows = db.session.execute(_waiting(where).limit(per_page).offset((page - 1) * per_page))
    return _as_waiting(rows), _count_waiting(where)


def inbox(user: User) -> list[Waiting]:
    """What waits for ``user``, and for those they stand in for as deputy
    (never their own versions), oldest submission first."""
    where = _inbox_where(user)
    return [] if where is None else _as_waiting(db.session.execute(_waiting(where)))


def dashboard_counts(user: User) -> dict[str, int]:
    def count(*where) -> int:
        return db.session.scalar(select(func.count()).select_from(DocumentVersion).where(*where)) or 0

    return {
        "my_drafts": count(DocumentVersion.author_id == user.id, DocumentVersion.state == VersionState.draft),
        "waiting_for_me": inbox_count(user),
        "my_rejected": count(
            DocumentVersion.author_id == user.id, DocumentVersion.state == VersionState.rejected
        ),
        "reviews_overdue": _reviews_overdue(user),
        "my_in_review": count(DocumentVersion.author_id == user.id, DocumentVersion.state.in_(UNDER_REVIEW)),
    }


def _reviews_overdue(user: User) -> int:
    from app.documents.policy import visible_documents_clause
    from app.documents.review import review_clause

    return (
        db.session.scalar(
            select(func.count())
            .select_from(Document)
            .where(visible_documents_clause(user), review_clause("overdue"))
        )
        or 0
    )


def signatures(version: DocumentVersion) -> list[Signature]:
    return list(
        db.session.scalars(select(Signature).where(Signature.version_id == version.id).order_by(Signature.id))
    )


def require_known_action(action: str) -> None:
    if action not in Action.__members__:
        raise BadRequest(N_("unknown action %(action)r"), action=action)
