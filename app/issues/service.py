"""Problem reports: record, triage, work, verify, close; comments and links.

The only code that changes a report. Load, check, change, record, flush;
never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import limits
from app.audit import AuditEvent, record_event
from app.auth.models import Department, User
from app.auth.service import department_by_code
from app.db import utcnow
from app.documents.models import Document
from app.documents.policy import can_view_document, can_view_version
from app.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.issues import markdown, signals
from app.issues.models import (
    Channel,
    Issue,
    IssueCategory,
    IssueComment,
    IssueFollowUp,
    IssueLink,
    IssueReply,
    IssueSource,
    LinkRelation,
    Severity,
)
from app.issues.workflow import Action, Context, State, can_triage, rule_for

TEXT_FIELDS = ("title", "phenomenon", "found_by", "location", "scope", "customer_ref", "product", "analysis")
TEXT_LIMITS = {"title": limits.TITLE, "phenomenon": limits.LONG_TEXT, "found_by": limits.NAME,
               "location": limits.PLACE, "scope": limits.LONG_TEXT, "customer_ref": limits.CODE,
               "product": limits.CODE, "analysis": limits.LONG_TEXT, "resolution": limits.LONG_TEXT,
               "comment": limits.LONG_TEXT}
EDITABLE_FIELDS = TEXT_FIELDS + ("found_at", "source")
# Set by the responsible department's head (assignee) or by triage (team),
# and by customer service (channel, contact).
ASSIGNMENT_FIELDS = ("assignee_id", "team_ids")
CUSTOMER_FIELDS = ("channel", "contact")
CONTACT_LIMIT = limits.PLACE


def context_for(actor: User, issue: Issue) -> Context:
    return Context(frozenset(actor.roles), actor.department_id, actor.department.code, issue.department_id)


# Validation ----------------------------------------------------------------

def parse_category(value) -> str:
    if value not in IssueCategory.__members__:
        raise ValidationFailed(
            f"unknown category {value!r}; expected one of {', '.join(IssueCategory)}", field="category")
    return value


def parse_severity(value) -> int:
    try:
        severity = int(value)
        Severity(severity)
    except (TypeError, ValueError):
        raise ValidationFailed(
            f"unknown severity {value!r}; expected 1 (major), 2 (significant) or 3 (general)",
            field="severity") from None
    return severity


def parse_source(value) -> str:
    if value not in IssueSource.__members__:
        raise ValidationFailed(
            f"unknown source {value!r}; expected one of {', '.join(IssueSource)}", field="source")
    return value


def parse_found_at(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            raise ValidationFailed(f"found_at is not an ISO date/time: {value!r}", field="found_at") from None
    if parsed.tzinfo is None:
        from zoneinfo import ZoneInfo

        parsed = parsed.replace(tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    return parsed


def _check_report(issue: Issue) -> None:
    if not (issue.title or "").strip():
        raise ValidationFailed("title is required", field="title")
    for name in TEXT_FIELDS:
        limits.check_length(getattr(issue, name), TEXT_LIMITS[name], name)
    if issue.source == IssueSource.customer and not (issue.customer_ref or "").strip():
        raise ValidationFailed("customer_ref is required when the source is a customer", field="customer_ref")


# Recording -----------------------------------------------------------------

def create_issue(actor: User, data: dict) -> Issue:
    issue = Issue(reported_by=actor, state=State.reported, source=parse_source(data.get("source", "internal")))
    for name in TEXT_FIELDS:
        setattr(issue, name, (data.get(name) or "").strip())
    issue.found_at = parse_found_at(data.get("found_at"))
    _check_report(issue)
    triage = {k: data.get(k) for k in ("category", "severity", "department") if data.get(k) not in (None, "")}
    if triage:
        # Validate first (400 names the field), then check who may classify.
        _triage_values(triage, partial=True)
        if not can_triage(context_for(actor, issue)):
            raise PermissionDenied("only customer service or a department head may classify a report")
    db.session.add(issue)
    if data.get("channel") or data.get("contact"):
        _apply_customer_details(issue, data.get("channel"), data.get("contact"))
    db.session.flush()
    record_event(actor, "report", issue, to_state=State.reported)
    signals.issue_state_changed.send(issue, from_state=None, to_state=State.reported, actor=actor, comment="")
    if triage and len(triage) == 3:
        act(issue, Action.triage, actor=actor, fields=triage)
    elif triage:
        raise ValidationFailed("classify with category, severity and department together",
                               field=next(k for k in ("category", "severity", "department") if k not in triage))
    signals.issue_changed.send(issue.id)
    return issue


def _triage_values(fields: dict, partial: bool = False) -> dict:
    values = {}
    for name, parse in (("category", parse_category), ("severity", parse_severity),
                        ("department", lambda code: department_by_code(code))):
        if fields.get(name) in (None, ""):
            if partial:
                continue
            raise ValidationFailed(f"{name} is required to triage", field=name)
        values[name] = parse(fields[name])
    return values


def update_issue(actor: User, issue: Issue, data: dict) -> Issue:
    data = dict(data)
    assignment = {k: data.pop(k) for k in ASSIGNMENT_FIELDS if k in data}
    customer = {k: data.pop(k) for k in CUSTOMER_FIELDS if k in data}
    if assignment:
        assign(actor, issue, **assignment)
    if customer:
        set_customer_details(actor, issue, **customer)
    if not data:
        db.session.flush()
        return issue
    ctx = context_for(actor, issue)
    in_team = any(member.id == actor.id for member in issue.team)
    if in_team and set(data) <= {"analysis"}:
        pass  # a cross-department team member records analysis
    elif not ((actor.id == issue.reported_by_id and issue.state == State.reported) or can_triage(ctx)
              or (issue.department_id is not None and actor.department_id == issue.department_id)):
        raise PermissionDenied("only the reporter, customer service or the responsible department may edit")
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"{sorted(unknown)[0]} cannot be edited here", field=sorted(unknown)[0])
    changed = {}
    for name, value in data.items():
        if name == "found_at":
            value = parse_found_at(value)
        elif name == "source":
            value = parse_source(value)
        else:
            value = (value or "").strip()
        if getattr(issue, name) != value:
            changed[name] = str(value)
            setattr(issue, name, value)
    _check_report(issue)
    if changed:
        record_event(actor, "edit", issue, details={"fields": sorted(changed)})
        signals.issue_changed.send(issue.id)
    db.session.flush()
    return issue


# Workflow ------------------------------------------------------------------

def _parse_action(action) -> Action:
    try:
        return Action(action)
    except ValueError:
        raise ValidationFailed(f"unknown action {action!r}; expected one of {', '.join(Action)}",
                               field="action") from None


def act(issue: Issue, action, *, actor: User, comment: str = "", fields: dict | None = None) -> Issue:
    action = _parse_action(action)
    fields = fields or {}
    comment = (comment or "").strip()
    limits.check_length(comment, TEXT_LIMITS["comment"], "comment")
    for name in ("analysis", "resolution"):
        limits.check_length(fields.get(name), TEXT_LIMITS[name], name)
    from_state = issue.state
    rule = rule_for(from_state, action)
    if rule is None:
        raise InvalidTransition(f"cannot {action} a report that is {from_state}")
    ctx = context_for(actor, issue)
    if not rule.who(ctx):
        raise PermissionDenied(f"only {rule.who_label} may {action.value.replace('_', ' ')} this report")
    if "comment" in rule.needs and not comment:
        raise ValidationFailed(f"a comment is required to {action.value.replace('_', ' ')}", field="comment")
    if "resolution" in rule.needs and not (fields.get("resolution") or issue.resolution or "").strip():
        raise ValidationFailed("a resolution is required to resolve", field="resolution")
    now = utcnow()
    if action == Action.triage:
        values = _triage_values(fields)
        issue.category, issue.severity = values["category"], values["severity"]
        issue.department = values["department"]
        issue.department_id = values["department"].id
        issue.triaged_at = now
        days = current_app.config["ISSUE_DUE_DAYS"][issue.severity]
        issue.due_at = now + timedelta(days=days)
    if "reply" in rule.needs and issue.source == IssueSource.customer and not issue.replies:
        raise InvalidTransition("a report from a customer is closed only after the reply to the customer "
                                "is recorded")
    if fields.get("analysis") is not None:
        issue.analysis = fields["analysis"].strip()
    if action == Action.resolve:
        if fields.get("resolution"):
            issue.resolution = fields["resolution"].strip()
        issue.resolved_at = now
    elif action == Action.verify:
        issue.verified_at = now
    elif action == Action.close:
        issue.closed_at = now
    elif action == Action.reopen:
        issue.reopen_count += 1
        issue.closed_at = issue.verified_at = issue.resolved_at = None
    elif action == Action.send_back:
        issue.resolved_at = None
    issue.state = rule.to
    if comment and action in (Action.send_back, Action.reopen):
        _add_comment(issue, actor, comment, kind=action.value)
    details = {"category": issue.category, "severity": issue.severity,
               "department": issue.department.code} if action == Action.triage else None
    record_event(actor, action.value, issue, from_state=from_state, to_state=issue.state,
                 comment=comment, details=details)
    signals.issue_changed.send(issue.id)
    signals.issue_state_changed.send(issue, from_state=from_state, to_state=issue.state, actor=actor,
                                     comment=comment)
    db.session.flush()
    return issue


# Progress log and links -----------------------------------------------------

def _may_participate(actor: User, issue: Issue) -> bool:
    ctx = context_for(actor, issue)
    return bool(actor.id == issue.reported_by_id or can_triage(ctx) or ctx.actor_roles & {"qc", "leader"}
                or (issue.department_id is not None and actor.department_id == issue.department_id)
                or any(member.id == actor.id for member in issue.team))


def _add_comment(issue: Issue, actor: User, body: str, kind: str = "progress") -> IssueComment:
    comment = IssueComment(issue=issue, author=actor, kind=kind, body=body, body_html=markdown.render(body))
    db.session.add(comment)
    return comment


def add_comment(actor: User, issue: Issue, body: str) -> IssueComment:
    if not _may_participate(actor, issue):
        raise PermissionDenied("only people working on this report may comment")
    if not (body or "").strip():
        raise ValidationFailed("the comment is empty", field="body")
    limits.check_length(body.strip(), limits.COMMENT, "body")
    comment = _add_comment(issue, actor, body.strip())
    db.session.flush()
    record_event(actor, "comment", issue, details={"comment_id": comment.id})
    signals.issue_changed.send(issue.id)
    return comment


def add_link(actor: User, issue: Issue, document_id: int, number: int, relation: str) -> IssueLink:
    if not _may_participate(actor, issue):
        raise PermissionDenied("only people working on this report may link documents")
    if relation not in LinkRelation.__members__:
        raise ValidationFailed(f"unknown relation {relation!r}; expected one of {', '.join(LinkRelation)}",
                               field="relation")
    document = db.session.get(Document, document_id)
    if document is None or not can_view_document(actor, document):
        raise NotFound(f"document {document_id} not found")
    version = document.version(number)
    if version is None or not can_view_version(actor, version):
        raise NotFound(f"document {document_id} has no version {number}")
    link = IssueLink(issue=issue, version=version, relation=relation, created_by_id=actor.id)
    db.session.add(link)
    try:
        db.session.flush()
    except IntegrityError:  # the unique (issue, version, relation) constraint
        raise Conflict("this version is already linked with that relation") from None
    record_event(actor, "link", issue, details={"document_id": document_id, "version": number,
                                                "relation": relation})
    return link


def remove_link(actor: User, issue: Issue, link_id: int) -> None:
    if not _may_participate(actor, issue):
        raise PermissionDenied("only people working on this report may unlink documents")
    link = db.session.get(IssueLink, link_id)
    # A link to a document the actor may not see does not exist for them
    # (it is hidden on the page too), so they cannot remove it either.
    if link is None or link.issue_id != issue.id or not can_view_version(actor, link.version):
        raise NotFound("no such link")
    details = {"document_id": link.version.document_id, "version": link.version.number,
               "relation": link.relation}
    db.session.delete(link)
    record_event(actor, "unlink", issue, details=details)
    db.session.flush()


def get_issue(issue_id: int) -> Issue:
    issue = db.session.get(Issue, issue_id)
    if issue is None:
        raise NotFound(f"problem report {issue_id} not found")
    return issue


@dataclass
class LinkView:
    link: IssueLink
    document: Document
    number: int
    effective_number: int | None
    stale: bool = field(default=False)


def visible_links(user: User, issue: Issue) -> list[LinkView]:
    """Links whose documents ``user`` may see, each with the document's
    current effective version and whether the linked one is still it."""
    views = []
    for link in issue.links:
        document = link.version.document
        if not can_view_version(user, link.version):
            continue
        effective = document.effective_version
        number = effective.number if effective else None
        views.append(LinkView(link, document, link.version.number, number,
                              stale=link.version.state != "effective"))
    return views


def visible_history(user: User, issue: Issue) -> list[AuditEvent]:
    """The report's audit events, without those naming a document ``user``
    may not see (linking or unlinking a restricted document)."""
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.issue_id == issue.id)
                                .order_by(AuditEvent.id)).all()
    named = {(e.details or {}).get("document_id") for e in events} - {None}
    documents = {d.id: d for d in db.session.scalars(select(Document).where(Document.id.in_(named)))} if named else {}
    visible = []
    for event in events:
        document_id = (event.details or {}).get("document_id")
        if document_id is not None:
            document = documents.get(document_id)
            if document is None or not can_view_document(user, document):
                continue
        visible.append(event)
    return visible


def departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.code)))


# Responsible people ----------------------------------------------------------

def may_assign(actor: User, issue: Issue) -> bool:
    """The responsible person is named by the responsible department's head (or an admin)."""
    return actor.has_role("admin") or (actor.has_role("dept_head") and issue.department_id is not None
                                       and actor.department_id == issue.department_id)


def may_form_team(actor: User, issue: Issue) -> bool:
    return may_assign(actor, issue) or can_triage(context_for(actor, issue))


def _user(user_id, field: str) -> User:
    user = db.session.get(User, user_id) if isinstance(user_id, int) and not isinstance(user_id, bool) else None
    if user is None or not user.active:
        raise ValidationFailed(f"{field}: no active user {user_id!r}", field=field)
    return user


def assign(actor: User, issue: Issue, *, assignee_id=..., team_ids=...) -> Issue:
    """Name the responsible person (in the responsible department) and the
    cross-department team; each change is audited and the people told."""
    if issue.department_id is None:
        raise InvalidTransition("triage the report (responsible department) before naming people")
    if assignee_id is not ... and not may_assign(actor, issue):
        raise PermissionDenied("only the responsible department's head may name the responsible person")
    if team_ids is not ... and not may_form_team(actor, issue):
        raise PermissionDenied("only customer service or the responsible department's head may form the team")
    details, new_assignee, added = {}, None, []
    if assignee_id is not ...:
        new_assignee = None if assignee_id is None else _user(assignee_id, "assignee_id")
        if new_assignee is not None and new_assignee.department_id != issue.department_id:
            raise ValidationFailed("assignee_id: the responsible person belongs to the responsible department",
                                   field="assignee_id")
        if (new_assignee.id if new_assignee else None) != issue.assignee_id:
            details["assignee_id"] = [issue.assignee_id, new_assignee.id if new_assignee else None]
            issue.assignee = new_assignee
            issue.assignee_id = new_assignee.id if new_assignee else None
        else:
            new_assignee = None
    if team_ids is not ...:
        if not isinstance(team_ids, list | tuple):
            raise ValidationFailed("team_ids must be a list of user ids", field="team_ids")
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
        raise ValidationFailed(f"unknown channel {value!r}; expected one of {', '.join(Channel)}", field="channel")
    return value


def _apply_customer_details(issue: Issue, channel, contact) -> dict:
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
        raise ValidationFailed("channel and contact are recorded only for reports from customers",
                               field=sorted(changed)[0])
    return changed


def is_customer_service(user: User) -> bool:
    return user.has_role("support") or user.department.code == "CS"


def is_responsible(user: User, issue: Issue) -> bool:
    """The responsible person, the responsible department's head, the team."""
    return (user.id == issue.assignee_id or (user.has_role("dept_head") and issue.department_id is not None
                                             and user.department_id == issue.department_id)
            or any(member.id == user.id for member in issue.team))


def may_see_contact(user: User, issue: Issue) -> bool:
    """Customer contact details: customer service, the responsible people,
    leaders and admins; nobody else, in no page, export or search."""
    return is_customer_service(user) or is_responsible(user, issue) or user.has_role("leader", "admin")


def set_customer_details(actor: User, issue: Issue, *, channel=..., contact=...) -> Issue:
    if not (is_customer_service(actor) or is_responsible(actor, issue) or actor.has_role("admin")):
        raise PermissionDenied("only customer service or the responsible people may record customer details")
    changed = _apply_customer_details(issue, channel, contact)
    if changed:
        record_event(actor, "customer_details", issue, details={"fields": sorted(changed)})
    db.session.flush()
    return issue


# The customer's answer ---------------------------------------------------------

def _require_customer_report(issue: Issue) -> None:
    if issue.source != IssueSource.customer:
        raise InvalidTransition("only a report from a customer has replies and follow-ups")


def add_reply(actor: User, issue: Issue, data: dict) -> IssueReply:
    if not (is_customer_service(actor) or is_responsible(actor, issue)):
        raise PermissionDenied("only customer service or the responsible people reply to the customer")
    _require_customer_report(issue)
    text = (data.get("text") or "").strip()
    if not text:
        raise ValidationFailed("text is required", field="text")
    limits.check_length(text, limits.LONG_TEXT, "text")
    remedy = (data.get("remedy") or "").strip()
    limits.check_length(remedy, limits.LONG_TEXT, "remedy")
    accepted = data.get("accepted")
    if accepted is not None and not isinstance(accepted, bool):
        raise ValidationFailed("accepted must be true, false or null", field="accepted")
    sent_at = parse_sent_at(data.get("sent_at"))
    if sent_at < issue.created_at.replace(microsecond=0):
        raise ValidationFailed("sent_at is before the report was recorded", field="sent_at")
    if sent_at > utcnow() + timedelta(minutes=5):
        raise ValidationFailed("sent_at is in the future", field="sent_at")
    reply = IssueReply(issue=issue, author=actor, text=text, sent_at=sent_at, accepted=accepted, remedy=remedy)
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
        raise ValidationFailed(f"sent_at is not an ISO date/time: {value!r}", field="sent_at") from None
    return parsed


def add_follow_up(actor: User, issue: Issue, data: dict) -> IssueFollowUp:
    if not is_customer_service(actor):
        raise PermissionDenied("only customer service calls the customer back")
    _require_customer_report(issue)
    score = data.get("score")
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed(f"score must be a whole number from 1 to 5, not {score!r}", field="score")
    if not issue.replies:
        raise InvalidTransition("the follow-up call comes after the reply to the customer")
    comment = (data.get("comment") or "").strip()
    limits.check_length(comment, limits.COMMENT, "comment")
    follow_up = IssueFollowUp(issue=issue, author=actor, score=score, comment=comment)
    db.session.add(follow_up)
    db.session.flush()
    record_event(actor, "follow_up", issue, details={"follow_up_id": follow_up.id, "score": score})
    return follow_up
