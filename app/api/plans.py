"""Improvement-measure and upgrade plan routes of the JSON API."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app import limits
from app.api import api_blueprint, page_body
from app.api.schemas import EMAIL_NOTE, AuditEventSchema, MetricsArgs, many, metrics_window
from app.auth.contacts import email_for_viewer
from app.clock import company_today
from app.extensions import db
from app.improvement import metrics, queries, service
from app.improvement.states import allowed_actions

blp = api_blueprint("plans", "Improvement-measure and upgrade plans")
PASSWORD_MAX = 1024
SIGN_NOTE = (
    "The actor's current password. Required by the actions that sign (approve, reject): without it "
    "401 `reauthentication_required`, wrong 401 `wrong_password`; neither a token nor a session signs "
    "alone."
)


class MeasureSchema(Schema):
    id = fields.Integer()
    type = fields.String()
    description = fields.String()
    owner_id = fields.Integer()
    owner = fields.Function(
        lambda m: email_for_viewer(m.owner), allow_none=True, metadata={"description": EMAIL_NOTE}
    )
    owner_name = fields.Function(lambda m: m.owner.name)
    owner_department = fields.Function(lambda m: m.owner.department.code)
    due_date = fields.Date()
    status = fields.String()
    progress = fields.String()
    done_at = fields.DateTime(allow_none=True)
    overdue = fields.Function(lambda m: m.status == "open" and m.due_date < company_today())


class PlanSignatureSchema(Schema):
    signer_name = fields.Function(lambda s: s.signer.name)
    role = fields.String()
    meaning = fields.String()
    method = fields.String()
    revision = fields.Integer()
    comment = fields.String()
    signed_at = fields.DateTime()


class PlanDocumentSchema(Schema):
    id = fields.Integer()
    document_id = fields.Function(lambda link: link.version.document_id)
    title = fields.Function(lambda link: link.version.document.title)
    version = fields.Function(lambda link: link.version.number)
    version_state = fields.Function(lambda link: link.version.state)
    relation = fields.String()


class PlanSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    state = fields.String()
    department = fields.Function(lambda p: p.department.code)
    partner_departments = fields.List(fields.String())
    product = fields.String()
    problem = fields.String()
    root_cause = fields.String()
    goal = fields.String()
    features = fields.String()
    approach = fields.String()
    test_plan = fields.String()
    check_date = fields.Date(allow_none=True)
    release_date = fields.Date(allow_none=True)
    revision = fields.Integer(metadata={"description": "how many times the plan was approved"})
    issue_ids = fields.Function(lambda p: [i.id for i in p.issues])
    created_by_name = fields.Function(lambda p: p.created_by.name)
    created_at = fields.DateTime()
    approved_at = fields.DateTime(allow_none=True)
    first_checked_at = fields.DateTime(allow_none=True)
    first_check_effective = fields.Boolean(allow_none=True)
    check_count = fields.Integer()
    released_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class PlanDetailSchema(PlanSchema):
    measures = fields.List(fields.Nested(MeasureSchema))
    signatures = fields.List(fields.Nested(PlanSignatureSchema))
    documents = fields.Method("get_documents")
    history = fields.Method("get_history")
    actions = fields.Method("get_actions", metadata={"description": "actions the caller may take now"})

    def get_documents(self, plan) -> list:
        return many(PlanDocumentSchema).dump(service.visible_documents(current_user, plan))

    def get_history(self, plan) -> list:
        return many(AuditEventSchema).dump(service.history(current_user, plan))

    def get_actions(self, plan) -> list:
        names = {
            a.value for a in allowed_actions(plan.kind, plan.state, service.context_for(current_user, plan))
        }
        if names & {"check_effective", "check_ineffective"}:
            names = (names - {"check_effective", "check_ineffective"}) | {"check"}
        return sorted(names - {"revise"})


class PlanListSchema(Schema):
    items = fields.List(fields.Nested(PlanSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


def _text(limit: int, **kwargs):
    return fields.String(validate=validate.Length(max=limit), **kwargs)


class PlanCreateArgs(Schema):
    kind = _text(limits.FILTER, load_default="improvement", metadata={"description": "improvement | upgrade"})
    title = _text(limits.TITLE, required=True)
    problem = _text(limits.LONG_TEXT, load_default="")
    root_cause = _text(limits.LONG_TEXT, load_default="")
    goal = _text(
        limits.LONG_TEXT,
        load_default="",
        metadata={"description": "the measurable result that counts as effective"},
    )
    features = _text(limits.LONG_TEXT, load_default="")
    approach = _text(limits.LONG_TEXT, load_default="")
    test_plan = _text(limits.LONG_TEXT, load_default="")
    check_date = _text(
        limits.FILTER,
        load_default=None,
        allow_none=True,
        metadata={"description": "ISO date on or after which QC checks effectiveness"},
    )
    release_date = _text(limits.FILTER, load_default=None, allow_none=True)
    product = _text(limits.CODE, load_default="")
    department = _text(limits.FILTER, load_default=None, allow_none=True)
    issue_ids = fields.List(fields.Integer(), load_default=list)
    partner_departments = fields.List(_text(limits.FILTER), load_default=None, allow_none=True)


class PlanPatchArgs(Schema):
    title = _text(limits.TITLE)
    problem = _text(limits.LONG_TEXT)
    root_cause = _text(limits.LONG_TEXT)
    goal = _text(limits.LONG_TEXT)
    features = _text(limits.LONG_TEXT)
    approach = _text(limits.LONG_TEXT)
    test_plan = _text(limits.LONG_TEXT)
    check_date = _text(limits.FILTER, allow_none=True)
    release_date = _text(limits.FILTER, allow_none=True)
    product = _text(limits.CODE)
    issue_ids = fields.List(fields.Integer())
    partner_departments = fields.List(_text(limits.FILTER))


class PlanListArgs(Schema):
    kind = _text(limits.FILTER)
    state = _text(limits.FILTER)
    department = _text(limits.FILTER)
    owner = _text(limits.FILTER, metadata={"description": "`me`: plans with an action owned by the caller"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class MeasureCreateArgs(Schema):
    type = _text(
        limits.FILTER,
        required=True,
        metadata={
            "description": "improvement plans: containment | corrective | preventive | improvement; "
            "upgrade plans: development | test | release | promotion"
        },
    )
    description = _text(limits.LONG_TEXT, required=True)
    owner_id = fields.Integer(required=True)
    due_date = _text(limits.FILTER, required=True)


class MeasurePatchArgs(Schema):
    status = _text(limits.FILTER, metadata={"description": "open | done"})
    progress = _text(limits.LONG_TEXT)


class PlanActionArgs(Schema):
    action = fields.String(required=True, validate=validate.OneOf(service.API_ACTIONS))
    effective = fields.Boolean(
        load_default=None, allow_none=True, metadata={"description": "with check: was the goal reached?"}
    )
    comment = _text(limits.LONG_TEXT, load_default="")
    password = _text(PASSWORD_MAX, load_default=None, allow_none=True, metadata={"description": SIGN_NOTE})


class PlanLinkArgs(Schema):
    document_id = fields.Integer(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    relation = _text(limits.FILTER, required=True, metadata={"description": "analysis | changed"})


@blp.post("/plans")
@blp.arguments(PlanCreateArgs)
@blp.response(201, PlanDetailSchema)
def create_plan(args):
    plan = service.create_plan(current_user, args)
    db.session.commit()
    return plan


@blp.get("/plans")
@blp.arguments(PlanListArgs, location="query")
@blp.response(200, PlanListSchema)
def list_plans(args):
    owner_id = current_user.id if args.get("owner") == "me" else None
    items, total = queries.list_plans(
        current_user,
        kind=args.get("kind"),
        state=args.get("state"),
        department=args.get("department"),
        owner_id=owner_id,
        page=args["page"],
        per_page=args["per_page"],
    )
    return page_body(items, total, args["page"], args["per_page"])


@blp.get("/plans/metrics")
@blp.arguments(MetricsArgs, location="query")
@blp.response(
    200,
    description="Open and overdue actions, action on-time rate, plan effectiveness rate and "
    "upgrade-plan completion rate (rules in app/improvement/metrics.py).",
)
def plan_metrics(args):
    return metrics.compute(*metrics_window(args))


@blp.get("/plans/<int:plan_id>")
@blp.response(200, PlanDetailSchema)
def get_plan(plan_id):
    return service.get_plan(current_user, plan_id)


@blp.patch("/plans/<int:plan_id>")
@blp.arguments(PlanPatchArgs)
@blp.response(200, PlanDetailSchema)
def patch_plan(args, plan_id):
    plan = service.update_plan(current_user, service.get_plan(current_user, plan_id), args)
    db.session.commit()
    return plan


@blp.post("/plans/<int:plan_id>/measures")
@blp.arguments(MeasureCreateArgs)
@blp.response(201, MeasureSchema)
def add_measure(args, plan_id):
    measure = service.add_measure(current_user, service.get_plan(current_user, plan_id), args)
    db.session.commit()
    return measure


@blp.patch("/plans/<int:plan_id>/measures/<int:measure_id>")
@blp.arguments(MeasurePatchArgs)
@blp.response(200, MeasureSchema)
def patch_measure(args, plan_id, measure_id):
    measure = service.update_measure(current_user, service.get_plan(current_user, plan_id), measure_id, args)
    db.session.commit()
    return measure


@blp.post("/plans/<int:plan_id>/actions")
@blp.arguments(PlanActionArgs)
@blp.response(200, PlanDetailSchema)
@blp.alt_response(
    401,
    description="A signing action (approve, reject) without the actor's password "
    "(`reauthentication_required`) or with a wrong one (`wrong_password`); nothing was signed.",
)
def plan_action(args, plan_id):
    plan = service.get_plan(current_user, plan_id)
    service.act(
        plan,
        args["action"],
        actor=current_user,
        comment=args["comment"],
        effective=args["effective"],
        password=args["password"],
    )
    db.session.commit()
    return plan


@blp.post("/plans/<int:plan_id>/documents")
@blp.arguments(PlanLinkArgs)
@blp.response(201, PlanDetailSchema)
def link_document(args, plan_id):
    plan = service.get_plan(current_user, plan_id)
    service.link_document(current_user, plan, args["document_id"], args["version"], args["relation"])
    db.session.commit()
    return plan
