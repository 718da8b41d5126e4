"""Marshmallow schemas shared by the API modules (and the OpenAPI spec)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.documents.models import ALL_DOC_TYPES, Category, Confidentiality, VersionState


class ErrorSchema(Schema):
    error = fields.Dict()


class UserBriefSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()


class VersionSchema(Schema):
    number = fields.Integer()
    state = fields.String()
    obsolete = fields.Function(lambda v: v.state == VersionState.obsolete)
    sha256 = fields.String()
    size = fields.Integer()
    media_type = fields.String()
    filename = fields.String()
    change_note = fields.String()
    author = fields.Function(lambda v: v.author.email)
    created_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    effective_at = fields.DateTime(allow_none=True)
    obsolete_at = fields.DateTime(allow_none=True)
    text_extracted = fields.Boolean()
    text_status = fields.String()
    text_encoding = fields.String(allow_none=True)
    page_count = fields.Integer(allow_none=True)


class TrackedChangeSchema(Schema):
    kind = fields.String(
        metadata={"description": "insertion | deletion | replacement | moved_from | moved_to | formatting"}
    )
    author = fields.String()
    date = fields.String(metadata={"description": "as recorded in the file (ISO 8601), may be empty"})
    old = fields.String()
    new = fields.String()
    where = fields.String(metadata={"description": "body | header | footer | footnote | endnote"})


class FileCommentSchema(Schema):
    author = fields.String()
    date = fields.String()
    text = fields.String()
    anchor = fields.String(metadata={"description": "the document text the comment is attached to"})
    resolved = fields.Boolean()


class VersionWithTextSchema(VersionSchema):
    document_id = fields.Integer()
    text = fields.String()
    # Revisions and comments recorded in the file itself (Word's Track
    # Changes); ``text`` reads as if every revision were accepted.
    tracked_changes = fields.List(fields.Nested(TrackedChangeSchema))
    comments = fields.List(fields.Nested(FileCommentSchema))
    unresolved_markup = fields.Integer(metadata={"description": "tracked changes plus open comments"})


class LinkedIssueSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    state = fields.String()
    version = fields.Integer()
    relation = fields.String()


class DocumentSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    category = fields.String()
    doc_type = fields.String()
    product = fields.String()
    department = fields.Function(lambda d: d.department.code)
    important = fields.Boolean()
    confidentiality = fields.String()
    review_due = fields.Date(allow_none=True)
    review_interval_months = fields.Integer(allow_none=True)
    effective_version = fields.Function(lambda d: d.effective_version.number if d.effective_version else None)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    versions = fields.List(fields.Nested(VersionSchema))


class DocumentDetailSchema(DocumentSchema):
    issues = fields.Method("get_issues")

    def get_issues(self, document) -> list:
        from app.issues.queries import issues_linked_to_document

        return LinkedIssueSchema(many=True).dump(issues_linked_to_document(document))


class DocumentListSchema(Schema):
    items = fields.List(fields.Nested(DocumentSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class DocumentCreateForm(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    category = fields.String(required=True, validate=validate.OneOf([c.value for c in Category]))
    doc_type = fields.String(required=True, validate=validate.OneOf(ALL_DOC_TYPES))
    product = fields.String(load_default="")
    department = fields.String(required=True)
    important = fields.Boolean(load_default=False)
    confidentiality = fields.String(
        load_default="internal", validate=validate.OneOf([c.value for c in Confidentiality])
    )
    review_interval_months = fields.Integer(load_default=None, validate=validate.Range(1, 120))
    change_note = fields.String(load_default="")


class FileUpload(Schema):
    # The marshmallow type is only for the OpenAPI description; the service
    # reads the stream itself so the size limit applies while reading.
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class DocumentPatchArgs(Schema):
    title = fields.String(validate=validate.Length(min=1, max=300))
    product = fields.String()
    important = fields.Boolean()
    confidentiality = fields.String(validate=validate.OneOf([c.value for c in Confidentiality]))
    review_interval_months = fields.Integer(allow_none=True, validate=validate.Range(1, 120))


class VersionCreateForm(Schema):
    change_note = fields.String(required=True, validate=validate.Length(min=1))


class DocumentListArgs(Schema):
    category = fields.String()
    doc_type = fields.String()
    department = fields.String()
    product = fields.String()
    state = fields.String()
    q = fields.String()
    review = fields.String(validate=validate.OneOf(["overdue", "due_soon", "due"]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class DiffArgs(Schema):
    from_ = fields.Integer(data_key="from", validate=validate.Range(min=1))
    to = fields.Integer(validate=validate.Range(min=1))


class ChangeSchema(Schema):
    op = fields.String()
    old = fields.String()
    new = fields.String()


class DiffSchema(Schema):
    from_ = fields.Integer(data_key="from", attribute="from")
    to = fields.Integer()
    changes = fields.List(fields.Nested(ChangeSchema))
    stats = fields.Dict()


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.Function(lambda e: e.actor.email if e.actor else None)
    verb = fields.String()
    action = fields.Function(lambda e: e.verb)
    object_type = fields.String()
    object_id = fields.Integer(allow_none=True)
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    comment = fields.String()
    details = fields.Dict(allow_none=True)


class HistorySchema(Schema):
    items = fields.List(fields.Nested(AuditEventSchema))
