"""The people around a problem report and the customer's side of it:
the responsible person and the cross-department team, the channel and
contact details (who may see them), the replies to the customer and the
follow-up calls. Load, check, change, record, flush; never commit."""

from __future__ import annotations

from datetime import datetime, timedelta

from app import limits
from app.audit import record_event
from app.auth.models import User
from app.db import utcnow
from app.errors import N_, InvalidTransition, PermissionDenied, ValidationFailed
from app.extensions import db
from app.issues import signals
from app.issues.models import Channel, Issue, IssueFollowUp, IssueReply, IssueSource
from app.issues.service import context_for, parse_found_at
from app.issues.workflow import CUSTOMER_SERVICE_DEPARTMENT, can_triage
from app.labels import Label

CONTACT_LIMIT = limits.PLACE


# Responsible people ----------------------------------------------------------


def may_assign(actor: User, issue: Issue) -> bool:
    """The responsible person is named by the responsible department's head (or an admin)."""
    return actor.has_role("admin") or (
        actor.has_role("dept_head")
        and issue.department_id is not None
        and actor.department_id == issue.department_id
    )


def may_form_team(actor: User, issue: Issue) -> bool:
    return may_assign(actor, issue) or can_triage(context_for(actor, issue))


def _user(user_id, field: str) -> User:
    user = (
        db.session.get(User, user_id) if isinstance(user_id, int) and not isinstance(user_id, bool) else None
    )
    if user is None or not user.active:
        raise ValidationFailed(
            N_("%(field_name)s: no active user %(user_id)r"),
            field=field,
            field_name=Label(field, "field"),
            user_id=user_id,
        )
    return user


def assign(actor: User, issue: Issue, *, assignee_id=..., team_ids=...) -> Issue:
    """Name the responsible person (in the responsible department) and the
    cross-department team; each change is audited and the people told."""
    if issue.department_id is None:
        raise InvalidTransition(N_("triage the report (responsible department) before naming people"))
    if assignee_id is not ... and not may_assign(actor, issue):
        raise PermissionDenied(N_("only the responsible department's head may name the responsible person"))
    if team_ids is not ... and not may_form_team(actor, issue):
        raise PermissionDenied(
            N_("only customer service or the responsible department's head may form the team")
        )
    details: dict[str, list] = {}
    new_assignee: User | None = None
    added: list[User] = []
    if assignee_id is not ...:
        new_assignee = None if assignee_id is None else _user(assignee_id, "assignee_id")
        if new_assignee is not None and new_assignee.department_id != issue.department_id:
            raise ValidationFailed(
                N_("assignee_id: the responsible person belongs to the responsible department"),
                field="assignee_id",
            )
        if (new_assignee.id if new_assignee else None) != issue.assignee_id:
            details["assignee_id"] = [issue.assignee_id, new_assignee.id if new_assignee else None]
            issue.assignee = new_assignee
            issue.assignee_id = new_assignee.id if new_assignee else None
        else:
            new_assignee = None
    if team_ids is not ...:
        if not isinstance(team_ids, list | tuple):
            raise ValidationFailed(N_("team_ids must be a list of user ids"), field="team_ids")
        members = [_user(uid, "team_ids") for uid in dict.fromkeys(team_ids)]
        before = {m.id for m in issue.team}
        if {m.id for m in members} != before:
            details["team_ids"] = [sorted(before), sorted(m.id for m in members)]
            added = [m for m in members if m.id not in before]
            issue.team = members
    if details:
        record_event(actor, "assign", issue, details=details)
        signals.issue_assigned.send(issue, actor=actor, assignee=new_assignee, added_team=added)
    db.session.flush()
    return issue


def parse_channel(value) -> str | None:
    if value in (None, ""):
        return None
    if value not in Channel.__members__:
        raise ValidationFailed(
            N_("unknown channel %(value)r; expected one of %(value2)s"),
            field="channel",
            value=value,
            value2=", ".join(Channel),
        )
    return value


def apply_customer_details(issue: Issue, channel, contact) -> dict:
    changed = {}
    if channel is not ...:
        channel = parse_channel(channel)
        if channel != issue.channel:
            changed["channel"] = True
            issue.channel = channel
    if contact is not ...:
        contact = (contact or "").strip()
        limits.check_length(contact, CONTACT_LIMIT, "contact")
        if contact != (issue.contact or ""):
            changed["contact"] = True  # the audit trail never copies the contact itself
            issue.contact = contact
    if changed and issue.source != IssueSource.customer:
        raise ValidationFailed(
            N_("channel and contact are recorded only for reports from customers"), field=sorted(changed)[0]
        )
    return changed


def is_customer_service(user: User) -> bool:
    return user.has_role("support") or user.department.code == CUSTOMER_SERVICE_DEPARTMENT


def is_responsible(user: User, issue: Issue) -> bool:
    """The responsible person, the responsible department's head, the team."""
    return (
        user.id == issue.assignee_id
        or (
            user.has_role("dept_head")
            and issue.department_id is not None
            and user.department_id == issue.department_id
        )
        or any(member.id == user.id for member in issue.team)
    )


def may_see_contact(user: User, issue: Issue) -> bool:
    """Customer contact details: customer service, the responsible people,
    leaders and admins; nobody else, in no page, export or search."""
    return is_customer_service(user) or is_responsible(user, issue) or user.has_role("leader", "admin")


def set_customer_details(actor: User, issue: Issue, *, channel=..., contact=...) -> Issue:
    if not (is_customer_service(actor) or is_responsible(actor, issue) or actor.has_role("admin")):
        raise PermissionDenied(
            N_("only customer service or the responsible people may record customer details")
        )
    changed = apply_customer_details(issue, channel, contact)
    if changed:
        record_event(actor, "customer_details", issue, details={"fields": sorted(changed)})
    db.session.flush()
    return issue


# The customer's answer ---------------------------------------------------------


def _require_customer_report(issue: Issue) -> None:
    if issue.source != IssueSource.customer:
        raise InvalidTransition(N_("only a report from a customer has replies and follow-ups"))


def add_reply(actor: User, issue: Issue, data: dict) -> IssueReply:
    if not (is_customer_service(actor) or is_responsible(actor, issue)):
        raise PermissionDenied(N_("only customer service or the responsible people reply to the customer"))
    _require_customer_report(issue)
    text = (data.get("text") or "").strip()
    if not text:
        raise ValidationFailed(N_("text is required"), field="text")
    limits.check_length(text, limits.LONG_TEXT, "text")
    remedy = (data.get("remedy") or "").strip()
    limits.check_length(remedy, limits.LONG_TEXT, "remedy")
    accepted = data.get("accepted")
    if accepted is not None and not isinstance(accepted, bool):
        raise ValidationFailed(N_("accepted must be true, false or null"), field="accepted")
    sent_at = parse_sent_at(data.get("sent_at"))
    if sent_at < issue.created_at.replace(microsecond=0):
        raise ValidationFailed(N_("sent_at is before the report was recorded"), field="sent_at")
    if sent_at > utcnow() + timedelta(minutes=5):
        raise ValidationFailed(N_("sent_at is in the future"), field="sent_at")
    reply = IssueReply(
        issue=issue, author=actor, text=text, sent_at=sent_at, accepted=accepted, remedy=remedy
    )
    db.session.add(reply)
    db.session.flush()
    record_event(actor, "reply", issue, details={"reply_id": reply.id, "accepted": accepted})
    return reply


def parse_sent_at(value) -> datetime:
    if value in (None, ""):
        return utcnow()
    try:
        parsed = parse_found_at(value)
    except ValidationFailed:
        raise ValidationFailed(
            N_("sent_at is not an ISO date/time: %(value)r"), field="sent_at", value=value
        ) from None
    return parsed or utcnow()


def add_follow_up(actor: User, issue: Issue, data: dict) -> IssueFollowUp:
    if not is_customer_service(actor):
        raise PermissionDenied(N_("only customer service calls the customer back"))
    _require_customer_report(issue)
    score = data.get("score")
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed(
            N_("score must be a whole number from 1 to 5, not %(score)r"), field="score", score=score
        )
    if not issue.replies:
        raise InvalidTransition(N_("the follow-up call comes after the reply to the customer"))
    comment = (data.get("comment") or "").strip()
    limits.check_length(comment, limits.COMMENT, "comment")
    follow_up = IssueFollowUp(issue=issue, author=actor, score=score, comment=comment)
    db.session.add(follow_up)
    db.session.flush()
    record_event(actor, "follow_up", issue, details={"follow_up_id": follow_up.id, "score": score})
    return follow_up
