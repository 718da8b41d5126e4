"""Relations between problem reports in the JSON API."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.api import api_blueprint
from app.extensions import db
from app.issues import relations
from app.issues.service import get_issue

blp = api_blueprint("issue_relations", "Relations between problem reports")


class IssueRelationArgs(Schema):
    target_id = fields.Integer(required=True)
    type = fields.String(
        required=True,
        validate=validate.OneOf([t.value for t in relations.IssueRelationType]),
        metadata={"description": "duplicate_of closes this report with a pointer to the target"},
    )


class RelatedIssueSchema(Schema):
    id = fields.Integer()
    type = fields.String(
        metadata={
            "description": "duplicate_of | caused_by | related, or from the target's side "
            "has_duplicate | causes"
        }
    )
    outgoing = fields.Boolean()
    issue_id = fields.Function(lambda r: r.issue.id)
    title = fields.Function(lambda r: r.issue.title)
    state = fields.Function(lambda r: r.issue.state)


class IssueRelationListSchema(Schema):
    state = fields.String(metadata={"description": "the report's state after the change"})
    items = fields.List(fields.Nested(RelatedIssueSchema))


@blp.get("/issues/<int:issue_id>/relations")
@blp.response(200, IssueRelationListSchema)
def list_relations(issue_id):
    issue = get_issue(issue_id)
    return {"state": issue.state, "items": relations.related(issue)}


@blp.post("/issues/<int:issue_id>/relations")
@blp.arguments(IssueRelationArgs)
@blp.response(201, IssueRelationListSchema)
def add_relation(args, issue_id):
    issue = get_issue(issue_id)
    relations.add_relation(current_user, issue, args["target_id"], args["type"])
    db.session.commit()
    return {"state": issue.state, "items": relations.related(issue)}
