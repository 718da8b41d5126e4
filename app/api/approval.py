"""Approval routes of the JSON API."""

from __future__ import annotations

from flask import request, url_for
from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.api import api_blueprint
from app.api.schemas import VersionSchema
from app.approval import service
from app.approval.states import Action
from app.documents import service as documents
from app.extensions import db
from app.notify import service as notifications

blp = api_blueprint("approval", "Review and approval of document versions")


class ActionArgs(Schema):
    action = fields.String(required=True, validate=validate.OneOf([a.value for a in Action]))
    comment = fields.String(load_default="")


class ActedVersionSchema(VersionSchema):
    document_id = fields.Integer()
    signatures = fields.Method("get_signatures")

    def get_signatures(self, version) -> list:
        return [{"signer": s.signer.email, "role": s.role, "meaning": s.meaning,
                 "method": s.method, "signed_at": s.signed_at.isoformat(), "comment": s.comment}
                for s in service.signatures(version)]


class InboxItemSchema(Schema):
    document_id = fields.Function(lambda v: v.document_id)
    title = fields.Function(lambda v: v.document.title)
    department = fields.Function(lambda v: v.document.department.code)
    important = fields.Function(lambda v: v.document.important)
    version = fields.Function(lambda v: v.number)
    state = fields.String()
    change_note = fields.String()
    author = fields.Function(lambda v: v.author.email)
    submitted_at = fields.DateTime()
    diff_url = fields.Function(lambda v: url_for(
        "api_documents.diff", document_id=v.document_id, to=v.number, **{"from": service.diff_target(v)}))


class InboxSchema(Schema):
    items = fields.List(fields.Nested(InboxItemSchema))
    total = fields.Integer()


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    message = fields.String()
    link = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NotificationListSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    unread = fields.Integer()


@blp.post("/documents/<int:document_id>/versions/<int:number>/actions")
@blp.arguments(ActionArgs)
@blp.response(200, ActedVersionSchema)
def version_action(args, document_id, number):
    version = documents.get_version(current_user, document_id, number)
    method = "token" if request.environ.get("doctrack.token_auth") else "session"
    service.act(version, args["action"], actor=current_user, comment=args["comment"],
                signature_method=method)
    db.session.commit()
    return version


@blp.get("/approvals/inbox")
@blp.response(200, InboxSchema)
def inbox():
    items = service.inbox(current_user)
    return {"items": items, "total": len(items)}


@blp.get("/notifications")
@blp.response(200, NotificationListSchema)
def list_notifications():
    return {"items": notifications.for_user(current_user),
            "unread": notifications.unread_count(current_user)}


@blp.post("/notifications/<int:notification_id>/read")
@blp.response(204)
def read_notification(notification_id):
    from app.errors import NotFound

    if not notifications.mark_read(current_user, notification_id):
        raise NotFound("no such notification")
    db.session.commit()
