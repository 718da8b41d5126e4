"""Approval routes of the JSON API."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_login import current_user
from marshmallow import Schema, fields, validate

from app import limits
from app.api import api_blueprint, page_body
from app.api.schemas import VersionSchema, many
from app.approval import service
from app.approval.states import Action
from app.auth.contacts import email_for_viewer
from app.auth.service import MAX_PASSWORD_LENGTH
from app.documents import service as documents
from app.extensions import db
from app.notify import service as notifications

blp = api_blueprint("approval", "Review and approval of document versions")


class ActionArgs(Schema):
    action = fields.String(required=True, validate=validate.OneOf([a.value for a in Action]))
    comment = fields.String(load_default="", validate=validate.Length(max=limits.LONG_TEXT))
    password = fields.String(
        load_default=None,
        validate=validate.Length(max=MAX_PASSWORD_LENGTH),
        metadata={
            "description": "The actor's current password. Required by the actions that sign (approve, "
            "reject): without it 401 `reauthentication_required`, wrong 401 `wrong_password`; "
            "neither a token nor a session signs alone."
        },
    )


class ReviewArgs(Schema):
    comment = fields.String(load_default="", validate=validate.Length(max=limits.LONG_TEXT))
    password = fields.String(
        load_default=None,
        validate=validate.Length(max=MAX_PASSWORD_LENGTH),
        metadata={"description": "The head's current password: a periodic review is a signature."},
    )


class SignatureSchema(Schema):
    signer = fields.Function(
        lambda s: email_for_viewer(s.signer),
        allow_none=True,
        metadata={"description": "the signer's e-mail, where the caller may see it"},
    )
    signer_name = fields.Function(lambda s: s.signer.name)
    role = fields.String()
    meaning = fields.String()
    method = fields.String()
    sha256 = fields.String(allow_none=True)
    signed_at = fields.DateTime()
    comment = fields.String()


class ActedVersionSchema(VersionSchema):
    document_id = fields.Integer()
    signatures = fields.Method("get_signatures")

    def get_signatures(self, version) -> list:
        return many(SignatureSchema).dump(service.signatures(version))


class InboxItemSchema(Schema):
    # Each item is a service.Waiting: the version and the one to compare it with.
    document_id = fields.Function(lambda w: w.version.document_id)
    number = fields.Function(lambda w: w.version.document.number)
    title = fields.Function(lambda w: w.version.document.title)
    department = fields.Function(lambda w: w.version.document.department.code)
    important = fields.Function(lambda w: w.version.document.important)
    version = fields.Function(lambda w: w.version.number)
    state = fields.String(attribute="version.state")
    change_note = fields.String(attribute="version.change_note")
    author = fields.Function(lambda w: email_for_viewer(w.version.author), allow_none=True)
    author_name = fields.Function(lambda w: w.version.author.name)
    submitted_at = fields.DateTime(attribute="version.submitted_at")
    diff_url = fields.Function(lambda w: _diff_url(w))


def _diff_url(waiting) -> str:
    # "from" is a Python keyword: the query argument goes in as a dict.
    args: dict[str, Any] = {
        "document_id": waiting.version.document_id,
        "to": waiting.version.number,
        "from": waiting.compare_to,
    }
    return url_for("api_documents.diff", **args)


class InboxArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class InboxSchema(Schema):
    items = fields.List(fields.Nested(InboxItemSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    message = fields.String(
        attribute="text",
        metadata={"description": "in the request's language (Accept-Language or the user's choice)"},
    )
    link = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NotificationListSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    unread = fields.Integer()


@blp.post("/documents/<int:document_id>/versions/<int:number>/actions")
@blp.arguments(ActionArgs)
@blp.response(200, ActedVersionSchema)
@blp.alt_response(
    401,
    description="A signing action (approve, reject) without the actor's password "
    "(`reauthentication_required`) or with a wrong one (`wrong_password`); nothing was signed.",
)
@blp.alt_response(
    429, description="Too many wrong passwords on signatures for this account (`too_many_attempts`)."
)
def version_action(args, document_id, number):
    version = documents.get_version(current_user, document_id, number)
    service.act(
        version, args["action"], actor=current_user, comment=args["comment"], password=args["password"]
    )
    db.session.commit()
    return version


@blp.post("/documents/<int:document_id>/review")
@blp.arguments(ReviewArgs)
@blp.response(201, SignatureSchema)
@blp.alt_response(
    401, description="No password (`reauthentication_required`) or a wrong one (`wrong_password`)."
)
def periodic_review(args, document_id):
    """Record a periodic review, "reviewed, no change", signed by the head
    of the owning department: the next review counts from today."""
    document = documents.get_document(current_user, document_id)
    signature = service.record_review(
        document, actor=current_user, comment=args["comment"], password=args["password"]
    )
    db.session.commit()
    return signature


@blp.get("/approvals/inbox")
@blp.arguments(InboxArgs, location="query")
@blp.response(200, InboxSchema)
def inbox(args):
    """Versions waiting for the caller's decision, oldest submission first,
    a page at a time like every list (`page`, `per_page` up to 100)."""
    items, total = service.inbox_page(current_user, args["page"], args["per_page"])
    return page_body(items, total, args["page"], args["per_page"])


@blp.get("/notifications")
@blp.response(200, NotificationListSchema)
def list_notifications():
    return {"items": notifications.for_user(current_user), "unread": notifications.unread_count(current_user)}


@blp.post("/notifications/<int:notification_id>/read")
@blp.response(204)
def read_notification(notification_id):
    from app.errors import N_, NotFound

    if not notifications.mark_read(current_user, notification_id):
        raise NotFound(N_("no such notification"))
    db.session.commit()
