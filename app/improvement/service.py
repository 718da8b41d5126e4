"""Plans: draw up, approve (a leader's signature), carry out, check
effectiveness, adjust. The only code that changes a plan. Load, check,
change, record, flush; never commit."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import limits
from app.audit import AuditEvent, record_event
from app.auth.models import User
from app.auth.service import department_by_code, reauthenticate
from app.clock import company_today
from app.db import utcnow
from app.documents.models import Document, DocumentVersion
from app.documents.policy import can_view_document, can_view_version
from app.errors import N_, Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.improvement import signals
from app.improvement.models import (
    MeasureStatus,
    MeasureType,
    Plan,
    PlanDocument,
    PlanDocumentRelation,
    PlanKind,
    PlanMeasure,
    PlanSignature,
    UpgradeTaskType,
)
from app.improvement.policy import can_view_plan
from app.improvement.states import (
    CUSTOMER_SERVICE_DEPARTMENT,
    MARKETING_DEPARTMENT,
    Action,
    Context,
    State,
    in_plan_department,
    is_plan_head,
    rule_for,
)
from app.issues.models import Issue
from app.labels import Label

TEXT_LIMITS = {
    "title": limits.TITLE,
    "problem": limits.LONG_TEXT,
    "root_cause": limits.LONG_TEXT,
    "goal": limits.LONG_TEXT,
    "features": limits.LONG_TEXT,
    "approach": limits.LONG_TEXT,
    "test_plan": limits.LONG_TEXT,
    "product": limits.CODE,
}
# Changing these on an approved plan needs the next approval.
APPROVED_CONTENT = ("goal", "features", "approach", "test_plan", "release_date")
EDITABLE = tuple(TEXT_LIMITS) + ("check_date", "release_date", "issue_ids", "partner_departments")
# States in which the plan's content may still be written without re-approval.
WRITABLE = (State.draft, State.sent_back)
# Approved and under way: content changes send the plan back for approval.
UNDER_WAY = (State.in_progress, State.development)
# Actions are carried out (progress, done) only once the plan is approved.
WORKING = (State.in_progress, State.sent_back, State.development, State.testing, State.released)
API_ACTIONS = ("submit", "approve", "reject", "check", "reopen", "test", "release", "send_back", "promote")


def context_for(actor: User, plan: Plan) -> Context:
    return Context(
        actor.id,
        frozenset(actor.roles),
        actor.department_id,
        actor.department.code,
        plan.department_id,
        plan.created_by_id,
    )


# Validation ----------------------------------------------------------------


def parse_kind(value) -> str:
    if value not in PlanKind.__members__:
        raise ValidationFailed(
            N_("unknown kind %(value)r; expected one of %(value2)s"),
            field="kind",
            value=value,
            value2=", ".join(PlanKind),
        )
    return value


def parse_date(value, field: str, *, not_before: date | None = None) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value))
        except ValueError:
            raise ValidationFailed(
                N_("%(field_name)s is not an ISO date: %(value)r"),
                field=field,
                field_name=Label(field, "field"),
                value=value,
            ) from None
    if not_before is not None and parsed < not_before:
        raise ValidationFailed(
            N_("%(field_name)s is before %(value)s"),
            field=field,
            field_name=Label(field, "field"),
            value=not_before,
        )
    return parsed


def measure_types(kind: str) -> tuple[str, ...]:
    return tuple(MeasureType) if kind == PlanKind.improvement else tuple(UpgradeTaskType)


def _issues(ids) -> list[Issue]:
    if not isinstance(ids, list | tuple):
        raise ValidationFailed(N_("issue_ids must be a list of report ids"), field="issue_ids")
    found = []
    for issue_id in ids:
        known = isinstance(issue_id, int) and not isinstance(issue_id, bool)
        issue = db.session.get(Issue, issue_id) if known else None
        if issue is None:
            raise ValidationFailed(
                N_("issue_ids: no problem report %(issue_id)r"), field="issue_ids", issue_id=issue_id
            )
        found.append(issue)
    return found


def _partners(codes) -> list[str]:
    if not isinstance(codes, list | tuple):
        raise ValidationFailed(
            N_("partner_departments must be a list of department codes"), field="partner_departments"
        )
    try:
        return sorted({department_by_code(code).code for code in codes})
    except ValidationFailed:
        raise ValidationFailed(
            N_("partner_departments: unknown department in %(value)r"),
            field="partner_departments",
            value=list(codes),
        ) from None


def _check_texts(plan: Plan) -> None:
    if not (plan.title or "").strip():
        raise ValidationFailed(N_("title is required"), field="title")
    for name, limit in TEXT_LIMITS.items():
        limits.check_length(getattr(plan, name), limit, name)


# Drawing up ------------------------------------------------------------------


def may_create_for(actor: User, department_id: int) -> bool:
    return actor.department_id == department_id or actor.has_role("leader", "qc", "admin", "dept_head")


def create_plan(actor: User, data: dict) -> Plan:
    kind = parse_kind(data.get("kind", "improvement"))
    code = data.get("department") or actor.department.code
    department = department_by_code(code)
    if not may_create_for(actor, department.id):
        raise PermissionDenied(
            N_(
                "only the responsible department, a department head, QC or a leader may draw up a plan for this department"
            )
        )
    plan = Plan(
        kind=kind,
        department=department,
        department_id=department.id,
        created_by=actor,
        created_by_id=actor.id,
        state=State.draft,
    )
    for name in TEXT_LIMITS:
        setattr(plan, name, (data.get(name) or "").strip())
    today = company_today()
    plan.check_date = parse_date(data.get("check_date"), "check_date", not_before=today)
    plan.release_date = parse_date(data.get("release_date"), "release_date", not_before=today)
    plan.issues = _issues(data.get("issue_ids") or [])
    partners = data.get("partner_departments")
    if partners is None and kind == PlanKind.upgrade:
        # Marketing and customer service take part in an upgrade's test.
        partners = [c for c in (MARKETING_DEPARTMENT, CUSTOMER_SERVICE_DEPARTMENT) if _exists(c)]
    plan.partner_departments = _partners(partners or [])
    _check_texts(plan)
    db.session.add(plan)
    db.session.flush()
    record_event(
        actor,
        "create",
        plan,
        to_state=plan.state,
        details={"kind": kind, "issue_ids": [i.id for i in plan.issues]},
    )
    signals.plan_changed.send(plan.id)
    return plan


def _exists(code: str) -> bool:
    try:
        department_by_code(code)
    except ValidationFailed:
        return False
    return True


def may_edit(actor: User, plan: Plan) -> bool:
    return in_plan_department(context_for(actor, plan)) or actor.has_role("leader")


def _content_changed_after_approval(actor: User, plan: Plan, what: dict) -> None:
    """An approved plan whose goal or actions change goes back for approval
    (the ``revise`` row of the table)."""
    _transition(plan, Action.revise, actor=actor, comment="", details=what)


def update_plan(actor: User, plan: Plan, data: dict) -> Plan:
    if not may_edit(actor, plan):
        raise PermissionDenied(N_("only the responsible department may edit this plan"))
    unknown = set(data) - set(EDITABLE)
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationFailed(N_("%(name)s cannot be edited here"), field=name, name=Label(name, "field"))
    if plan.state not in WRITABLE + UNDER_WAY:
        raise InvalidTransition(
            N_("a plan that is %(plan_state)s cannot be edited"), plan_state=Label(plan.state, "state")
        )
    changed = []
    today = company_today()
    for name, value in data.items():
        if name in ("check_date", "release_date"):
            value = parse_date(value, name, not_before=today)
        elif name == "issue_ids":
            value = _issues(value)
            name_value = [i.id for i in value]
            if name_value != [i.id for i in plan.issues]:
                plan.issues = value
                changed.append(name)
            continue
        elif name == "partner_departments":
            value = _partners(value)
        else:
            value = (value or "").strip()
        if getattr(plan, name) != value:
            setattr(plan, name, value)
            changed.append(name)
    _check_texts(plan)
    if changed:
        record_event(actor, "edit", plan, details={"fields": sorted(changed), "revision": plan.revision})
        if plan.state in UNDER_WAY and set(changed) & set(APPROVED_CONTENT):
            _content_changed_after_approval(
                actor, plan, {"fields": sorted(set(changed) & set(APPROVED_CONTENT))}
            )
        signals.plan_changed.send(plan.id)
    db.session.flush()
    return plan


# Actions (measures) ---------------------------------------------------------


def allowed_owner_departments(plan: Plan) -> set[str]:
    return {plan.department.code, *(plan.partner_departments or [])}


def add_measure(actor: User, plan: Plan, data: dict) -> PlanMeasure:
    ctx = context_for(actor, plan)
    if not (in_plan_department(ctx) or is_plan_head(ctx)):
        raise PermissionDenied(N_("only the responsible department may add actions to this plan"))
    if plan.state not in WRITABLE + UNDER_WAY:
        raise InvalidTransition(
            N_("actions cannot be added to a plan that is %(plan_state)s"),
            plan_state=Label(plan.state, "state"),
        )
    kind_types = measure_types(plan.kind)
    if data.get("type") not in kind_types:
        raise ValidationFailed(
            N_("unknown type %(value)r; expected one of %(value2)s"),
            field="type",
            value=data.get("type"),
            value2=", ".join(kind_types),
        )
    description = (data.get("description") or "").strip()
    if not description:
        raise ValidationFailed(N_("description is required"), field="description")
    limits.check_length(description, limits.LONG_TEXT, "description")
    owner_id = data.get("owner_id")
    owner = (
        db.session.get(User, owner_id)
        if isinstance(owner_id, int) and not isinstance(owner_id, bool)
        else None
    )
    if owner is None or not owner.active:
        raise ValidationFailed(
            N_("owner_id: no active user %(value)r"), field="owner_id", value=data.get("owner_id")
        )
    allowed = allowed_owner_departments(plan)
    if owner.department.code not in allowed:
        raise ValidationFailed(
            N_("owner_id: the owner must belong to %(value)s"),
            field="owner_id",
            value=", ".join(sorted(allowed)),
        )
    due = parse_date(data.get("due_date"), "due_date", not_before=company_today())
    if due is None:
        raise ValidationFailed(N_("due_date is required"), field="due_date")
    measure = PlanMeasure(
        plan=plan,
        type=data["type"],
        description=description,
        owner=owner,
        owner_id=owner.id,
        due_date=due,
        status=MeasureStatus.open,
    )
    db.session.add(measure)
    db.session.flush()
    record_event(
        actor,
        "add_measure",
        plan,
        details={
            "measure_id": measure.id,
            "type": measure.type,
            "owner_id": owner.id,
            "due_date": due.isoformat(),
        },
    )
    if plan.state in UNDER_WAY:
        _content_changed_after_approval(actor, plan, {"measure_added": measure.id})
    signals.measure_assigned.send(measure, actor=actor)
    signals.plan_changed.send(plan.id)
    db.session.flush()
    return measure


def may_report_progress(actor: User, measure: PlanMeasure) -> bool:
    ctx = context_for(actor, measure.plan)
    return actor.id == measure.owner_id or is_plan_head(ctx) or actor.has_role("leader", "qc")


def update_measure(actor: User, plan: Plan, measure_id: int, data: dict) -> PlanMeasure:
    measure = db.session.get(PlanMeasure, measure_id)
    if measure is None or measure.plan_id != plan.id:
        raise NotFound(
            N_("plan %(plan_id)s has no action %(measure_id)s"), plan_id=plan.id, measure_id=measure_id
        )
    if not may_report_progress(actor, measure):
        raise PermissionDenied(
            N_("only the action's owner, the department head, QC or a leader may record progress")
        )
    unknown = set(data) - {"status", "progress"}
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationFailed(N_("%(name)s cannot be changed here"), field=name, name=Label(name, "field"))
    if plan.state not in WORKING:
        raise InvalidTransition(
            N_("work on the actions starts when the plan is approved (it is %(plan_state)s)"),
            plan_state=Label(plan.state, "state"),
        )
    details: dict[str, Any] = {"measure_id": measure.id}
    if "progress" in data:
        progress = (data["progress"] or "").strip()
        limits.check_length(progress, limits.LONG_TEXT, "progress")
        measure.progress = progress
        details["progress"] = True
    if "status" in data:
        if data["status"] not in MeasureStatus.__members__:
            raise ValidationFailed(
                N_("unknown status %(data)r; expected open or done"), field="status", data=data["status"]
            )
        if data["status"] != measure.status:
            details["status"] = [measure.status, data["status"]]
            measure.status = data["status"]
            measure.done_at = utcnow() if measure.status == MeasureStatus.done else None
    record_event(actor, "measure_progress", plan, details=details)
    db.session.flush()
    if details.get("status", [None, None])[1] == MeasureStatus.done and all(
        m.status == MeasureStatus.done for m in plan.measures
    ):
        signals.measures_done.send(plan, actor=actor)
    signals.plan_changed.send(plan.id)
    return measure


# Workflow ------------------------------------------------------------------


def _parse_action(action: str, effective) -> Action:
    if action not in API_ACTIONS:
        raise ValidationFailed(
            N_("unknown action %(action)r; expected one of %(value)s"),
            field="action",
            action=action,
            value=", ".join(API_ACTIONS),
        )
    if action == "check":
        if not isinstance(effective, bool):
            raise ValidationFailed(N_("effective (true or false) is required with check"), field="effective")
        return Action.check_effective if effective else Action.check_ineffective
    return Action(action)


def _require(plan: Plan, needs: tuple[str, ...], comment: str, action: Action) -> None:
    if "measures" in needs and not plan.measures:
        raise InvalidTransition(N_("a plan without actions cannot be approved"))
    if "measures_done" in needs and any(m.status != MeasureStatus.done for m in plan.measures):
        raise InvalidTransition(N_("the effectiveness check comes when every action is done"))
    if "check_date" in needs and (plan.check_date is None or company_today() < plan.check_date):
        if plan.check_date is None:
            raise InvalidTransition(N_("the effectiveness check is due on the plan's check date (none set)"))
        raise InvalidTransition(
            N_("the effectiveness check is due on the plan's check date (%(check_date)s)"),
            check_date=plan.check_date,
        )
    if "test_participants" in needs:
        tests = [m for m in plan.measures if m.type == UpgradeTaskType.test]
        if any(m.status != MeasureStatus.done for m in tests):
            raise InvalidTransition(N_("every test task must be done before the release"))
        done_by = {m.owner.department.code for m in tests}
        missing = [c for c in (MARKETING_DEPARTMENT, CUSTOMER_SERVICE_DEPARTMENT) if c not in done_by]
        if missing:
            raise InvalidTransition(
                N_("marketing and customer service take part in the test; no test task owned by %(value)s"),
                value=", ".join(missing),
            )
    if "comment" in needs and not comment:
        raise ValidationFailed(
            N_("a comment is required to %(action)s"), field="comment", action=Label(action, "action")
        )


def _transition(
    plan: Plan,
    action: Action,
    *,
    actor: User,
    comment: str,
    password: str | None = None,
    system: bool = False,
    details: dict | None = None,
) -> Plan:
    from_state = plan.state
    rule = rule_for(plan.kind, from_state, action)
    if rule is None:
        raise InvalidTransition(
            N_("cannot %(action)s a plan that is %(from_state)s"),
            action=Label(action, "action"),
            from_state=Label(from_state, "state"),
        )
    if not rule.who(context_for(actor, plan)):
        raise PermissionDenied(
            N_("only %(rule_who_label)s may %(action)s this plan"),
            rule_who_label=Label(rule.who_label, "who"),
            action=Label(action, "action"),
        )
    _require(plan, rule.needs, comment, action)
    now = utcnow()
    if rule.signs:
        # After the state and the permission: a refused action answers the
        # same whatever the password.
        method = "system" if system else "password"
        if not system:
            reauthenticate(actor, password)
        role = "leader" if actor.has_role("leader") else sorted(actor.roles)[0]
        db.session.add(
            PlanSignature(
                plan_id=plan.id,
                signer_id=actor.id,
                role=role,
                meaning="approved" if action == Action.approve else "rejected",
                method=method,
                revision=plan.revision + 1,
                comment=comment,
            )
        )
    if action == Action.approve:
        plan.revision += 1
        plan.approved_at = now
    elif action in (Action.check_effective, Action.check_ineffective):
        effective = action == Action.check_effective
        if plan.check_count == 0:
            plan.first_checked_at, plan.first_check_effective = now, effective
        plan.check_count += 1
        if effective:
            plan.closed_at = now
    elif action == Action.release:
        plan.released_at = now
    elif action == Action.promote:
        plan.closed_at = now
    elif action == Action.reopen:
        plan.closed_at = None
    plan.state = rule.to
    record_event(
        actor,
        action.value,
        plan,
        from_state=from_state,
        to_state=plan.state,
        comment=comment,
        details={**(details or {}), "revision": plan.revision},
    )
    signals.plan_state_changed.send(
        plan, from_state=from_state, to_state=plan.state, actor=actor, comment=comment
    )
    signals.plan_changed.send(plan.id)
    db.session.flush()
    return plan


def act(
    plan: Plan,
    action: str,
    *,
    actor: User,
    comment: str = "",
    effective=None,
    password: str | None = None,
    system: bool = False,
) -> Plan:
    comment = (comment or "").strip()
    limits.check_length(comment, limits.LONG_TEXT, "comment")
    return _transition(
        plan, _parse_action(action, effective), actor=actor, comment=comment, password=password, system=system
    )


# Documents ------------------------------------------------------------------


def link_document(actor: User, plan: Plan, document_id: int, number: int, relation: str) -> PlanDocument:
    ctx = context_for(actor, plan)
    if not (in_plan_department(ctx) or is_plan_head(ctx) or actor.has_role("qc", "leader")):
        raise PermissionDenied(N_("only people working on this plan may link documents"))
    if relation not in PlanDocumentRelation.__members__:
        raise ValidationFailed(
            N_("unknown relation %(relation)r; expected analysis or changed"),
            field="relation",
            relation=relation,
        )
    document = db.session.get(Document, document_id)
    if document is None or not can_view_document(actor, document):
        raise NotFound(N_("document %(document_id)s not found"), document_id=document_id)
    version = document.version(number)
    if version is None or not can_view_version(actor, version):
        raise NotFound(
            N_("document %(document_id)s has no version %(number)s"), document_id=document_id, number=number
        )
    link = PlanDocument(plan=plan, version=version, relation=relation, created_by_id=actor.id)
    db.session.add(link)
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict(N_("this version is already linked with that relation")) from None
    record_event(
        actor, "link", plan, details={"document_id": document_id, "version": number, "relation": relation}
    )
    return link


def plans_of_document(user: User, document: Document) -> list[tuple[Plan, int, str]]:
    """Plans (visible to ``user``) that rest on or changed a version of ``document``."""
    rows = db.session.scalars(
        select(PlanDocument)
        .join(DocumentVersion, DocumentVersion.id == PlanDocument.version_id)
        .where(DocumentVersion.document_id == document.id)
        .order_by(PlanDocument.id)
    ).all()
    return [(row.plan, row.version.number, row.relation) for row in rows if can_view_plan(user, row.plan)]


# Reading -------------------------------------------------------------------


def get_plan(user: User, plan_id: int) -> Plan:
    plan = db.session.get(Plan, plan_id)
    if plan is None or not can_view_plan(user, plan):
        raise NotFound(N_("plan %(plan_id)s not found"), plan_id=plan_id)
    return plan


def history(user: User, plan: Plan) -> list[AuditEvent]:
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "plan", AuditEvent.object_id == plan.id)
        .order_by(AuditEvent.id)
    ).all()
    visible = []
    for event in events:
        document_id = (event.details or {}).get("document_id")
        if document_id is not None:
            document = db.session.get(Document, document_id)
            if document is None or not can_view_document(user, document):
                continue
        visible.append(event)
    return visible


def visible_documents(user: User, plan: Plan) -> list[PlanDocument]:
    return [link for link in plan.documents if can_view_version(user, link.version)]
