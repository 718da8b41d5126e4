"""Problem-report routes of the JSON API."""

from __future__ import annotations

from flask import Response
from flask_login import current_user
from marshmallow import Schema, fields, validate

from app import limits
from app.api import api_blueprint, page_body
from app.api.schemas import EMAIL_NOTE, AuditEventSchema, MetricsArgs, many, metrics_window
from app.auth.contacts import email_for_viewer
from app.extensions import db
from app.issues import customer, export, metrics, queries, service
from app.issues.workflow import Action

blp = api_blueprint("issues", "Problem reports")
CONTACT_NOTE = (
    "the customer's contact details; null unless the caller is customer service, the responsible "
    "person, the responsible department's head, on the team, a leader or an admin"
)


class CommentSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    author = fields.Function(
        lambda c: email_for_viewer(c.author), allow_none=True, metadata={"description": EMAIL_NOTE}
    )
    author_name = fields.Function(lambda c: c.author.name)
    body = fields.String()
    body_html = fields.String()
    created_at = fields.DateTime()


class LinkSchema(Schema):
    id = fields.Function(lambda v: v.link.id)
    document_id = fields.Function(lambda v: v.document.id)
    number = fields.Function(lambda v: v.document.number)
    title = fields.Function(lambda v: v.document.title)
    version = fields.Integer(attribute="number")
    version_state = fields.Function(lambda v: v.link.version.state)
    relation = fields.Function(lambda v: v.link.relation)
    effective_version = fields.Integer(attribute="effective_number", allow_none=True)
    stale = fields.Boolean()


class ReplySchema(Schema):
    id = fields.Integer()
    text = fields.String()
    sent_at = fields.DateTime()
    accepted = fields.Boolean(allow_none=True)
    remedy = fields.String()
    author_name = fields.Function(lambda r: r.author.name)
    created_at = fields.DateTime()


class FollowUpSchema(Schema):
    id = fields.Integer()
    score = fields.Integer()
    comment = fields.String()
    author_name = fields.Function(lambda f: f.author.name)
    created_at = fields.DateTime()


class TeamMemberSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    department = fields.Function(lambda u: u.department.code)


class IssueSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    phenomenon = fields.String()
    found_at = fields.DateTime(allow_none=True)
    found_by = fields.String()
    location = fields.String()
    scope = fields.String()
    source = fields.String()
    customer_ref = fields.String()
    product = fields.String()
    category = fields.String(allow_none=True)
    severity = fields.Integer(allow_none=True)
    department = fields.Function(lambda i: i.department.code if i.department else None)
    state = fields.String()
    analysis = fields.String()
    resolution = fields.String()
    reported_by = fields.Function(
        lambda i: email_for_viewer(i.reported_by), allow_none=True, metadata={"description": EMAIL_NOTE}
    )
    reported_by_name = fields.Function(lambda i: i.reported_by.name)
    created_at = fields.DateTime()
    triaged_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    overdue = fields.Function(lambda i: queries.is_overdue(i))
    reopen_count = fields.Integer()
    assignee_id = fields.Integer(allow_none=True)
    assignee_name = fields.Function(lambda i: i.assignee.name if i.assignee else None, allow_none=True)
    team = fields.List(fields.Nested(TeamMemberSchema))
    channel = fields.String(allow_none=True)
    contact = fields.Function(
        lambda i: i.contact if customer.may_see_contact(current_user, i) else None,
        allow_none=True,
        metadata={"description": CONTACT_NOTE},
    )


class IssueDetailSchema(IssueSchema):
    replies = fields.List(fields.Nested(ReplySchema))
    follow_ups = fields.List(fields.Nested(FollowUpSchema))
    comments = fields.List(fields.Nested(CommentSchema))
    links = fields.Method("get_links")
    history = fields.Method("get_history")

    def get_links(self, issue) -> list:
        return many(LinkSchema).dump(service.visible_links(current_user, issue))

    def get_history(self, issue) -> list:
        return many(AuditEventSchema).dump(service.visible_history(current_user, issue))


class IssueListSchema(Schema):
    items = fields.List(fields.Nested(IssueSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class IssueCreateArgs(Schema):
    title = fields.String(required=True, validate=validate.Length(max=limits.TITLE))
    phenomenon = fields.String(load_default="", validate=validate.Length(max=limits.LONG_TEXT))
    found_at = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=limits.FILTER))
    found_by = fields.String(load_default="", validate=validate.Length(max=limits.NAME))
    location = fields.String(load_default="", validate=validate.Length(max=limits.PLACE))
    scope = fields.String(load_default="", validate=validate.Length(max=limits.LONG_TEXT))
    source = fields.String(load_default="internal", validate=validate.Length(max=limits.FILTER))
    customer_ref = fields.String(load_default="", validate=validate.Length(max=limits.CODE))
    product = fields.String(load_default="", validate=validate.Length(max=limits.CODE))
    category = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=limits.FILTER))
    severity = fields.Raw(load_default=None, allow_none=True)
    department = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=limits.FILTER)
    )
    analysis = fields.String(load_default="", validate=validate.Length(max=limits.LONG_TEXT))
    channel = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=limits.FILTER),
        metadata={"description": "phone | email | online | visit (reports from customers)"},
    )
    contact = fields.String(load_default="", validate=validate.Length(max=customer.CONTACT_LIMIT))


class IssuePatchArgs(Schema):
    title = fields.String(validate=validate.Length(max=limits.TITLE))
    phenomenon = fields.String(validate=validate.Length(max=limits.LONG_TEXT))
    found_at = fields.String(allow_none=True, validate=validate.Length(max=limits.FILTER))
    found_by = fields.String(validate=validate.Length(max=limits.NAME))
    location = fields.String(validate=validate.Length(max=limits.PLACE))
    scope = fields.String(validate=validate.Length(max=limits.LONG_TEXT))
    source = fields.String(validate=validate.Length(max=limits.FILTER))
    customer_ref = fields.String(validate=validate.Length(max=limits.CODE))
    product = fields.String(validate=validate.Length(max=limits.CODE))
    analysis = fields.String(validate=validate.Length(max=limits.LONG_TEXT))
    assignee_id = fields.Integer(
        allow_none=True,
        metadata={"description": "the responsible person (in the responsible department); set by its head"},
    )
    team_ids = fields.List(
        fields.Integer(),
        metadata={"description": "the cross-department team: may comment and record analysis"},
    )
    channel = fields.String(
        allow_none=True,
        validate=validate.Length(max=limits.FILTER),
        metadata={"description": "phone | email | online | visit"},
    )
    contact = fields.String(validate=validate.Length(max=customer.CONTACT_LIMIT))


class ReplyArgs(Schema):
    text = fields.String(required=True, validate=validate.Length(max=limits.LONG_TEXT))
    sent_at = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=limits.FILTER))
    accepted = fields.Boolean(load_default=None, allow_none=True)
    remedy = fields.String(load_default="", validate=validate.Length(max=limits.LONG_TEXT))


class FollowUpArgs(Schema):
    score = fields.Raw(required=True, metadata={"description": "satisfaction, a whole number from 1 to 5"})
    comment = fields.String(load_default="", validate=validate.Length(max=limits.COMMENT))


class IssueListArgs(Schema):
    state = fields.String(validate=validate.Length(max=limits.FILTER))
    category = fields.String(validate=validate.Length(max=limits.FILTER))
    severity = fields.String(validate=validate.Length(max=limits.FILTER))
    department = fields.String(validate=validate.Length(max=limits.FILTER))
    product = fields.String(validate=validate.Length(max=limits.CODE))
    source = fields.String(validate=validate.Length(max=limits.FILTER))
    overdue = fields.Boolean()
    assigned = fields.String(
        validate=validate.OneOf(["me"]),
        metadata={"description": "`me`: reports whose responsible person, or team member, is the caller"},
    )
    sort = fields.String(load_default="created", validate=validate.Length(max=limits.FILTER))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class IssueActionArgs(Schema):
    action = fields.String(required=True, validate=validate.OneOf([a.value for a in Action]))
    comment = fields.String(load_default="", validate=validate.Length(max=limits.LONG_TEXT))
    category = fields.String(validate=validate.Length(max=limits.FILTER))
    severity = fields.Raw()
    department = fields.String(validate=validate.Length(max=limits.FILTER))
    analysis = fields.String(validate=validate.Length(max=limits.LONG_TEXT))
    resolution = fields.String(validate=validate.Length(max=limits.LONG_TEXT))


class CommentArgs(Schema):
    body = fields.String(required=True, validate=validate.Length(max=limits.COMMENT))


class LinkArgs(Schema):
    document_id = fields.Integer(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    relation = fields.String(required=True, validate=validate.Length(max=limits.FILTER))


def _filter(args: dict) -> queries.IssueFilter:
    return queries.IssueFilter(
        **{
            k: args.get(k)
            for k in ("state", "category", "severity", "department", "product", "source", "overdue")
        },
        sort=args.get("sort", "created"),
        assigned_to=current_user.id if args.get("assigned") == "me" else None,
    )


@blp.post("/issues")
@blp.arguments(IssueCreateArgs)
@blp.response(201, IssueDetailSchema)
def create_issue(args):
    issue = service.create_issue(current_user, args)
    db.session.commit()
    return issue


@blp.get("/issues")
@blp.arguments(IssueListArgs, location="query")
@blp.response(200, IssueListSchema)
def list_issues(args):
    items, total = queries.list_issues(_filter(args), args["page"], args["per_page"])
    return page_body(items, total, args["page"], args["per_page"])


@blp.get("/issues/export.csv")
@blp.arguments(IssueListArgs, location="query")
@blp.response(200, description="The filtered list as CSV (UTF-8 with BOM).")
def export_issues(args):
    body = export.to_csv(queries.all_issues(_filter(args)), current_user)
    return Response(
        body,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": "attachment; filename=problem-reports.csv"},
    )


@blp.get("/issues/metrics")
@blp.arguments(MetricsArgs, location="query")
@blp.response(200, description="Counts, mean time to close (hours) and timeliness rate for a period.")
def issue_metrics(args):
    return metrics.compute(*metrics_window(args))


@blp.get("/issues/<int:issue_id>")
@blp.response(200, IssueDetailSchema)
def get_issue(issue_id):
    return service.get_issue(issue_id)


@blp.patch("/issues/<int:issue_id>")
@blp.arguments(IssuePatchArgs)
@blp.response(200, IssueDetailSchema)
def patch_issue(args, issue_id):
    issue = service.update_issue(current_user, service.get_issue(issue_id), args)
    db.session.commit()
    return issue


@blp.post("/issues/<int:issue_id>/actions")
@blp.arguments(IssueActionArgs)
@blp.response(200, IssueDetailSchema)
def issue_action(args, issue_id):
    issue = service.get_issue(issue_id)
    action, comment = args.pop("action"), args.pop("comment")
    service.act(issue, action, actor=current_user, comment=comment, fields=args)
    db.session.commit()
    return issue


@blp.post("/issues/<int:issue_id>/comments")
@blp.arguments(CommentArgs)
@blp.response(201, CommentSchema)
def add_comment(args, issue_id):
    comment = service.add_comment(current_user, service.get_issue(issue_id), args["body"])
    db.session.commit()
    return comment


@blp.post("/issues/<int:issue_id>/links")
@blp.arguments(LinkArgs)
@blp.response(201, IssueDetailSchema)
def add_link(args, issue_id):
    issue = service.get_issue(issue_id)
    service.add_link(current_user, issue, args["document_id"], args["version"], args["relation"])
    db.session.commit()
    return issue


@blp.delete("/issues/<int:issue_id>/links/<int:link_id>")
@blp.response(204)
def delete_link(issue_id, link_id):
    service.remove_link(current_user, service.get_issue(issue_id), link_id)
    db.session.commit()


@blp.post("/issues/<int:issue_id>/replies")
@blp.arguments(ReplyArgs)
@blp.response(201, ReplySchema)
def add_reply(args, issue_id):
    reply = customer.add_reply(current_user, service.get_issue(issue_id), args)
    db.session.commit()
    return reply


@blp.post("/issues/<int:issue_id>/follow-ups")
@blp.arguments(FollowUpArgs)
@blp.response(201, FollowUpSchema)
def add_follow_up(args, issue_id):
    follow_up = customer.add_follow_up(current_user, service.get_issue(issue_id), args)
    db.session.commit()
    return follow_up
