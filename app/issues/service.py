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
from app.errors import N_, Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.issues import markdown, signals
from app.issues.models import (
    Issue,
    IssueCategory,
    IssueComment,
    IssueLink,
    IssueSource,
    LinkRelation,
    Severity,
)
from app.issues.workflow import Action, Context, State, can_triage, rule_for
from app.labels import Label

TEXT_FIELDS = ("title", "phenomenon", "found_by", "location", "scope", "customer_ref", "product", "analysis")
TEXT_LIMITS = {
    "title": limits.TITLE,
    "phenomenon": limits.LONG_TEXT,
    "found_by": limits.NAME,
    "location": limits.PLACE,
    "scope": limits.LONG_TEXT,
    "customer_ref": limits.CODE,
    "product": limits.CODE,
    "analysis": limits.LONG_TEXT,
    "resolution": limits.LONG_TEXT,
    "comment": limits.LONG_TEXT,
}
EDITABLE_FIELDS = TEXT_FIELDS + ("found_at", "source")
# Set by the responsible department's head (assignee) or by triage (team),
# and by customer service (channel, contact): app/issues/customer.py.
ASSIGNMENT_FIELDS = ("assignee_id", "team_ids")
CUSTOMER_FIELDS = ("channel", "contact")


def context_for(actor: User, issue: Issue) -> Context:
    return Context(frozenset(actor.roles), actor.department_id, actor.department.code, issue.department_id)


# Validation ----------------------------------------------------------------


def parse_category(value) -> str:
    if value not in IssueCategory.__members__:
        raise ValidationFailed(
            N_("unknown category %(value)r; expected one of %(value2)s"),
            field="category",
            value=value,
            value2=", ".join(IssueCategory),
        )
    return value


def parse_severity(value) -> int:
    try:
        severity = int(value)
        Severity(severity)
    except (TypeError, ValueError):
        raise ValidationFailed(
            N_("unknown severity %(value)r; expected 1 (major), 2 (significant) or 3 (general)"),
            field="severity",
            value=value,
        ) from None
    return severity


def parse_source(value) -> str:
    if value not in IssueSource.__members__:
        raise ValidationFailed(
            N_("unknown source %(value)r; expected one of %(value2)s"),
            field="source",
            value=value,
            value2=", ".join(IssueSource),
        )
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
            raise ValidationFailed(
                N_("found_at is not an ISO date/time: %(value)r"), field="found_at", value=value
            ) from None
    if parsed.tzinfo is None:
        from zoneinfo import ZoneInfo

        parsed = parsed.replace(tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    return parsed


def _check_report(issue: Issue) -> None:
    if not (issue.title or "").strip():
        raise ValidationFailed(N_("title is required"), field="title")
    for name in TEXT_FIELDS:
        limits.check_length(getattr(issue, name), TEXT_LIMITS[name], name)
    if issue.source == IssueSource.customer and not (issue.customer_ref or "").strip():
        raise ValidationFailed(
            N_("customer_ref is required when the source is a customer"), field="customer_ref"
        )


# Recording -----------------------------------------------------------------


def create_issue(actor: User, data: dict) -> Issue:
    issue = Issue(
        reported_by=actor, state=State.reported, source=parse_source(data.get("source", "internal"))
    )
    for name in TEXT_FIELDS:
        setattr(issue, name, (data.get(name) or "").strip())
    issue.found_at = parse_found_at(data.get("found_at"))
    _check_report(issue)
    triage = {k: data.get(k) for k in ("category", "severity", "department") if data.get(k) not in (None, "")}
    if triage:
        # Validate first (400 names the field), then check who may classify.
        _triage_values(triage, partial=True)
        if not can_triage(context_for(actor, issue)):
            raise PermissionDenied(N_("only customer service or a department head may classify a report"))
    # A new report has none of these yet: known empty, not asked of the
    # database when the response shows them.
    for collection in ("comments", "links", "team", "replies", "follow_ups", "attachments"):
        setattr(issue, collection, [])
    db.session.add(issue)
    if data.get("channel") or data.get("contact"):
        from app.issues.customer import apply_customer_details

        apply_customer_details(issue, data.get("channel"), data.get("contact"))
    db.session.flush()
    record_event(actor, "report", issue, to_state=State.reported)
    signals.issue_state_changed.send(issue, from_state=None, to_state=State.reported, actor=actor, comment="")
    if triage and len(triage) == 3:
        act(issue, Action.triage, actor=actor, fields=triage)
    elif triage:
        raise ValidationFailed(
            N_("classify with category, severity and department together"),
            field=next(k for k in ("category", "severity", "department") if k not in triage),
        )
    signals.issue_changed.send(issue.id)
    return issue


def _triage_values(fields: dict, partial: bool = False) -> dict:
    values = {}
    for name, parse in (
        ("category", parse_category),
        ("severity", parse_severity),
        ("department", lambda code: department_by_code(code)),
    ):
        if fields.get(name) in (None, ""):
            if partial:
                continue
            raise ValidationFailed(
                N_("%(name)s is required to triage"), field=name, name=Label(name, "field")
            )
        values[name] = parse(fields[name])
    return values


def update_issue(actor: User, issue: Issue, data: dict) -> Issue:
    data = dict(data)
    assignment = {k: data.pop(k) for k in ASSIGNMENT_FIELDS if k in data}
    customer = {k: data.pop(k) for k in CUSTOMER_FIELDS if k in data}
    if assignment or customer:
        from app.issues import customer as customer_side

        if assignment:
            customer_side.assign(actor, issue, **assignment)
        if customer:
            customer_side.set_customer_details(actor, issue, **customer)
    if not data:
        db.session.flush()
        return issue
    ctx = context_for(actor, issue)
    in_team = any(member.id == actor.id for member in issue.team)
    if in_team and set(data) <= {"analysis"}:
        pass  # a cross-department team member records analysis
    elif not (
        (actor.id == issue.reported_by_id and issue.state == State.reported)
        or can_triage(ctx)
        or (issue.department_id is not None and actor.department_id == issue.department_id)
    ):
        raise PermissionDenied(
            N_("only the reporter, customer service or the responsible department may edit")
        )
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            N_("%(value)s cannot be edited here"), field=sorted(unknown)[0], value=sorted(unknown)[0]
        )
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
        raise ValidationFailed(
            N_("unknown action %(action)r; expected one of %(value)s"),
            field="action",
            action=action,
            value=", ".join(Action),
        ) from None


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
        raise InvalidTransition(
            N_("cannot %(action)s a report that is %(from_state)s"),
            action=Label(action, "action"),
            from_state=Label(from_state, "state"),
        )
    ctx = context_for(actor, issue)
    if not rule.who(ctx):
        raise PermissionDenied(
            N_("only %(rule_who_label)s may %(action)s this report"),
            rule_who_label=Label(rule.who_label, "who"),
            action=Label(action, "action"),
        )
    if "comment" in rule.needs and not comment:
        raise ValidationFailed(
            N_("a comment is required to %(action)s"), field="comment", action=Label(action, "action")
        )
    if "duplicate_of" in rule.needs and not fields.get("duplicate_of"):
        raise ValidationFailed(
            N_("the original report is required to close as a duplicate"), field="duplicate_of"
        )
    if "resolution" in rule.needs and not (fields.get("resolution") or issue.resolution or "").strip():
        raise ValidationFailed(N_("a resolution is required to resolve"), field="resolution")
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
        raise InvalidTransition(
            N_("a report from a customer is closed only after the reply to the customer is recorded")
        )
    if fields.get("analysis") is not None:
        issue.analysis = fields["analysis"].strip()
    if action == Action.resolve:
        if fields.get("resolution"):
            issue.resolution = fields["resolution"].strip()
        issue.resolved_at = now
    elif action == Action.verify:
        issue.verified_at = now
    elif action in (Action.close, Action.close_duplicate):
        issue.closed_at = now
    elif action == Action.reopen:
        issue.reopen_count += 1
        issue.closed_at = issue.verified_at = issue.resolved_at = None
    elif action == Action.send_back:
        issue.resolved_at = None
    issue.state = rule.to
    if comment and action in (Action.send_back, Action.reopen):
        _add_comment(issue, actor, comment, kind=action.value)
    details = (
        {
            "category": issue.category,
            "severity": issue.severity,
            "department": issue.department.code if issue.department else None,
        }
        if action == Action.triage
        else None
    )
    if action == Action.close_duplicate:
        details = {"duplicate_of": fields["duplicate_of"]}
    record_event(
        actor,
        action.value,
        issue,
        from_state=from_state,
        to_state=issue.state,
        comment=comment,
        details=details,
    )
    signals.issue_changed.send(issue.id)
    signals.issue_state_changed.send(
        issue, from_state=from_state, to_state=issue.state, actor=actor, comment=comment
    )
    db.session.flush()
    return issue


# Progress log and links -----------------------------------------------------


def _may_participate(actor: User, issue: Issue) -> bool:
    ctx = context_for(actor, issue)
    return bool(
        actor.id == issue.reported_by_id
        or can_triage(ctx)
        or ctx.actor_roles & {"qc", "leader"}
        or (issue.department_id is not None and actor.department_id == issue.department_id)
        or any(member.id == actor.id for member in issue.team)
    )


def _add_comment(issue: Issue, actor: User, body: str, kind: str = "progress") -> IssueComment:
    comment = IssueComment(issue=issue, author=actor, kind=kind, body=body, body_html=markdown.render(body))
    db.session.add(comment)
    return comment


def add_comment(actor: User, issue: Issue, body: str) -> IssueComment:
    if not _may_participate(actor, issue):
        raise PermissionDenied(N_("only people working on this report may comment"))
    if not (body or "").strip():
        raise ValidationFailed(N_("the comment is empty"), field="body")
    limits.check_length(body.strip(), limits.COMMENT, "body")
    comment = _add_comment(issue, actor, body.strip())
    db.session.flush()
    record_event(actor, "comment", issue, details={"comment_id": comment.id})
    signals.issue_changed.send(issue.id)
    return comment


def add_link(actor: User, issue: Issue, document_id: int, number: int, relation: str) -> IssueLink:
    if not _may_participate(actor, issue):
        raise PermissionDenied(N_("only people working on this report may link documents"))
    if relation not in LinkRelation.__members__:
        raise ValidationFailed(
            N_("unknown relation %(relation)r; expected one of %(value)s"),
            field="relation",
            relation=relation,
            value=", ".join(LinkRelation),
        )
    document = db.session.get(Document, document_id)
    if document is None or not can_view_document(actor, document):
        raise NotFound(N_("document %(document_id)s not found"), document_id=document_id)
    version = document.version(number)
    if version is None or not can_view_version(actor, version):
        raise NotFound(
            N_("document %(document_id)s has no version %(number)s"), document_id=document_id, number=number
        )
    link = IssueLink(issue=issue, version=version, relation=relation, created_by_id=actor.id)
    db.session.add(link)
    try:
        db.session.flush()
    except IntegrityError:  # the unique (issue, version, relation) constraint
        raise Conflict(N_("this version is already linked with that relation")) from None
    record_event(
        actor, "link", issue, details={"document_id": document_id, "version": number, "relation": relation}
    )
    return link


def remove_link(actor: User, issue: Issue, link_id: int) -> None:
    if not _may_participate(actor, issue):
        raise PermissionDenied(N_("only people working on this report may unlink documents"))
    link = db.session.get(IssueLink, link_id)
    # A link to a document the actor may not see does not exist for them
    # (it is hidden on the page too), so they cannot remove it either.
    if link is None or link.issue_id != issue.id or not can_view_version(actor, link.version):
        raise NotFound(N_("no such link"))
    details = {
        "document_id": link.version.document_id,
        "version": link.version.number,
        "relation": link.relation,
    }
    db.session.delete(link)
    record_event(actor, "unlink", issue, details=details)
    db.session.flush()


def get_issue(issue_id: int) -> Issue:
    from sqlalchemy import inspect
    from sqlalchemy.orm import joinedload, lazyload, selectinload
    from sqlalchemy.orm.attributes import set_committed_value

    # What the detail view and the API body show, loaded with the report
    # (one query per collection) instead of lazily row by row. Most reports
    # have no replies, follow-ups, attachments or links, and many no comments
    # yet: one query says which collections have rows; only those are
    # loaded, the others are known to be empty (issue 20: 5 queries -> 1).
    attachments = Issue.attachments  # type: ignore[attr-defined]  # a backref (app.issues.attachments)
    collections = (Issue.comments, Issue.links, Issue.replies, Issue.follow_ups, attachments, Issue.team)
    present = db.session.execute(
        select(*(relation.any() for relation in collections)).where(Issue.id == issue_id)
    ).first()
    if present is None:
        raise NotFound(N_("problem report %(issue_id)s not found"), issue_id=issue_id)
    has = {relation.key: bool(rows) for relation, rows in zip(collections, present, strict=True)}
    loaders = {
        "comments": selectinload(Issue.comments).joinedload(IssueComment.author),
        "links": selectinload(Issue.links).joinedload(IssueLink.version),
    }
    options = [joinedload(Issue.reported_by), joinedload(Issue.assignee)]
    for relation in collections:
        loader = loaders.get(relation.key) or selectinload(relation)
        options.append(loader if has[relation.key] else lazyload(relation))
    issue = db.session.get(Issue, issue_id, options=options)
    if issue is None:
        raise NotFound(N_("problem report %(issue_id)s not found"), issue_id=issue_id)
    unloaded = inspect(issue).unloaded  # not those the session already holds
    for relation in collections:
        if not has[relation.key] and relation.key in unloaded:
            set_committed_value(issue, relation.key, [])
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
        views.append(
            LinkView(link, document, link.version.number, number, stale=link.version.state != "effective")
        )
    return views


def visible_history(user: User, issue: Issue) -> list[AuditEvent]:
    """The report's audit events, without those naming a document ``user``
    may not see (linking or unlinking a restricted document)."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.issue_id == issue.id).order_by(AuditEvent.id)
    ).all()
    named = {(e.details or {}).get("document_id") for e in events} - {None}
    documents = (
        {d.id: d for d in db.session.scalars(select(Document).where(Document.id.in_(named)))} if named else {}
    )
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
