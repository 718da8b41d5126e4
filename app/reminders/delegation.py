"""Delegation: a department head or a leader names a deputy for a date
range (out of office): someone who already sees the delegator's queue
(the head's own department, a leader, an administrator). While it runs (company dates, both ends included)
the deputy sees the delegator's approvals and may sign them; the signature
records the deputy as signer "on behalf of" the delegator. Creating and
revoking a delegation are audited. A deputy never decides on their own
version (app.approval.service checks the author against the deputy too).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from app import limits
from app.audit import record_event
from app.auth.models import User
from app.clock import company_today
from app.db import utcnow
from app.errors import N_, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.reminders.models import Delegation

MAX_DAYS = 366
DELEGATING_ROLES = ("dept_head", "leader")


def can_delegate(user: User) -> bool:
    return user.has_role(*DELEGATING_ROLES)


def may_stand_in(delegator: User, deputy: User) -> bool:
    """A deputy must already see the versions waiting for the delegator
    (app.documents.policy): a leader or an administrator sees them all, a
    member of a department head's own department sees that department's."""
    if deputy.has_role("leader", "admin"):
        return True
    return delegator.has_role("dept_head") and deputy.department_id == delegator.department_id


def _active(today: date):
    return (
        Delegation.revoked_at.is_(None),
        Delegation.starts_on <= today,
        Delegation.ends_on >= today,
    )


def create(
    actor: User, *, deputy: User | None, starts_on: date, ends_on: date, reason: str = ""
) -> Delegation:
    if not can_delegate(actor):
        raise PermissionDenied(N_("only a department head or a leader may name a deputy"))
    if deputy is None or not deputy.active:
        raise ValidationFailed(N_("choose an active user as deputy"), field="deputy")
    if deputy.id == actor.id:
        raise ValidationFailed(N_("you cannot be your own deputy"), field="deputy")
    if not may_stand_in(actor, deputy):
        raise ValidationFailed(
            N_(
                "the deputy must see your approvals: someone of your department, a leader or an administrator"
            ),
            field="deputy",
        )
    if ends_on < starts_on:
        raise ValidationFailed(N_("the last day comes before the first"), field="ends_on")
    if ends_on < company_today():
        raise ValidationFailed(N_("the last day has passed"), field="ends_on")
    if (ends_on - starts_on).days >= MAX_DAYS:
        raise ValidationFailed(N_("a delegation lasts at most %(days)s days"), field="ends_on", days=MAX_DAYS)
    reason = (reason or "").strip()
    limits.check_length(reason, limits.LONG_TEXT, "reason")
    row = Delegation(
        delegator_id=actor.id, deputy_id=deputy.id, starts_on=starts_on, ends_on=ends_on, reason=reason
    )
    db.session.add(row)
    db.session.flush()
    record_event(
        actor,
        "delegate",
        row,
        comment=reason,
        details={"deputy": deputy.email, "starts_on": str(starts_on), "ends_on": str(ends_on)},
    )
    db.session.flush()
    return row


def revoke(actor: User, delegation_id: int) -> Delegation:
    row = db.session.get(Delegation, delegation_id)
    if row is None or (row.delegator_id != actor.id and not actor.has_role("admin")):
        raise NotFound(N_("delegation %(delegation_id)s not found"), delegation_id=delegation_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record_event(actor, "revoke_delegation", row, details={"deputy": row.deputy.email})
        db.session.flush()
    return row


def given_by(user: User) -> list[Delegation]:
    return list(
        db.session.scalars(
            select(Delegation).where(Delegation.delegator_id == user.id).order_by(Delegation.starts_on.desc())
        )
    )


def received_by(user: User) -> list[Delegation]:
    return list(
        db.session.scalars(
            select(Delegation).where(Delegation.deputy_id == user.id).order_by(Delegation.starts_on.desc())
        )
    )


def delegators_of(deputy: User, today: date | None = None) -> list[User]:
    """The people ``deputy`` stands in for today (active accounts only)."""
    today = today or company_today()
    rows = db.session.scalars(
        select(Delegation).where(Delegation.deputy_id == deputy.id, *_active(today)).order_by(Delegation.id)
    ).all()
    seen: dict[int, User] = {}
    for row in rows:
        if row.delegator.active and can_delegate(row.delegator):
            seen.setdefault(row.delegator_id, row.delegator)
    return list(seen.values())


def deputies_of(users: Iterable[User], today: date | None = None) -> list[User]:
    """Today's deputies of any of ``users``."""
    ids = [u.id for u in users]
    if not ids:
        return []
    today = today or company_today()
    rows = db.session.scalars(
        select(Delegation).where(Delegation.delegator_id.in_(ids), *_active(today)).order_by(Delegation.id)
    ).all()
    return [row.deputy for row in rows if row.deputy.active]
