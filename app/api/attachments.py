"""Files attached to problem reports (issue 19): upload, list, download."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from marshmallow import Schema, fields

from app.api import api_blueprint
from app.api.schemas import FileUpload
from app.errors import N_, NotFound, ValidationFailed
from app.extensions import db
from app.issues import attachments, service
from app.issues.policy import can_view_issue

blp = api_blueprint("attachments", "Attachments of problem reports")


class AttachmentForm(FileUpload):
    remove_gps = fields.Boolean(
        load_default=False,
        metadata={"description": "remove the GPS position from a photo's EXIF before storing"},
    )


class AttachmentSchema(Schema):
    id = fields.Integer()
    issue_id = fields.Integer()
    filename = fields.String()
    media_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    text_status = fields.String(
        metadata={
            "description": "ok | empty | unreliable | ocr_pending | ocr_failed (photos and scans are OCRed)"
        }
    )
    text = fields.String()
    gps_removed = fields.Boolean()
    uploaded_by_name = fields.Function(lambda a: a.uploaded_by.name)
    created_at = fields.DateTime()


class AttachmentListSchema(Schema):
    items = fields.List(fields.Nested(AttachmentSchema))


def _issue(issue_id: int):
    issue = service.get_issue(issue_id)
    if not can_view_issue(current_user, issue):
        raise NotFound(N_("problem report %(issue_id)s not found"), issue_id=issue_id)
    return issue


@blp.post("/issues/<int:issue_id>/attachments")
@blp.arguments(AttachmentForm, location="form", content_type="multipart/form-data")
@blp.response(201, AttachmentSchema)
def add_attachment(form, issue_id):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed(N_("a file is required (multipart field 'file')"), field="file")
    attachment = attachments.add_attachment(
        current_user, _issue(issue_id), upload.stream, upload.filename, remove_gps=form["remove_gps"]
    )
    db.session.commit()
    return attachment


@blp.get("/issues/<int:issue_id>/attachments")
@blp.response(200, AttachmentListSchema)
def list_attachments(issue_id):
    return {"items": list(_issue(issue_id).attachments)}


@blp.get("/issues/<int:issue_id>/attachments/<int:attachment_id>/file")
@blp.response(
    200, description="The attached file as stored (ETag its sha256); 404 when the report is not visible."
)
def download_attachment(issue_id, attachment_id):
    attachment = attachments.get_attachment(current_user, issue_id, attachment_id)
    return attachments.send_attachment(attachment)
