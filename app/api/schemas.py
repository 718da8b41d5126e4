"""Marshmallow schemas shared by the API modules (and the OpenAPI spec)."""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta

from marshmallow import Schema, fields, validate

from app import limits
from app.auth.contacts import email_for_viewer, may_see_email
from app.documents.models import (
    ALL_DOC_TYPES,
    Category,
    Confidentiality,
    Document,
    DocumentVersion,
    RevisionScheme,
    VersionState,
    revision_label,
)

EMAIL_NOTE = (
    "e-mail address; null unless it is the caller's, in the caller's department, a reviewer's "
    "(department head, leader), or the caller is an admin or leader"
)


@functools.cache
def many(schema_class: type[Schema]) -> Schema:
    """One ``schema_class(many=True)`` per process: building a marshmallow
    schema copies all its fields, which cost more than dumping a short list."""
    return schema_class(many=True)


class ErrorSchema(Schema):
    error = fields.Dict()


class UserBriefSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()


class VersionSchema(Schema):
    number = fields.Integer()
    revision = fields.String(metadata={"description": "revision label: A, B, ... or 1, 2, ... as configured"})
    state = fields.String(
        metadata={
            "description": "draft | in_review | pending_approval | approved (pending "
            "effective) | effective | rejected | withdrawn | obsolete"
        }
    )
    obsolete = fields.Function(lambda v: v.state == VersionState.obsolete)
    sha256 = fields.String()
    size = fields.Integer()
    media_type = fields.String()
    filename = fields.String()
    change_note = fields.String()
    author = fields.Function(
        lambda v: email_for_viewer(v.author), allow_none=True, metadata={"description": EMAIL_NOTE}
    )
    author_name = fields.Function(lambda v: v.author.name)
    created_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    effective_at = fields.DateTime(allow_none=True)
    obsolete_at = fields.DateTime(allow_none=True)
    text_extracted = fields.Boolean()
    text_status = fields.String()
    text_encoding = fields.String(allow_none=True)
    page_count = fields.Integer(allow_none=True)
    approval_route = fields.Function(
        lambda v: list(v.route) if v.approval_route else None,
        metadata={"description": "The signatures this version needs, fixed when it was submitted."},
    )
    effective_on = fields.Date(
        allow_none=True,
        metadata={
            "description": "planned effective date (company time zone); after the final approval the version "
            "is 'approved' until the start of that day"
        },
    )
    change_reason = fields.String()
    affected_documents = fields.List(
        fields.String(), metadata={"description": "numbers of affected documents"}
    )


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def dump_versions(viewer, document: Document, versions: list[DocumentVersion]) -> list[dict]:
    """What ``many(VersionSchema).dump(versions)`` gives for ``versions`` of
    ``document``, built directly. Every document in a list carries all its
    versions: 20 documents of 60 versions each spent most of the list's time
    in marshmallow's per-field calls, in the author's visibility (the same
    few authors checked for every version) and in each version's way back
    to its document for the revision scheme. The schema stays the contract
    (and the OpenAPI document); tests/integration/test_version_dump.py holds
    the two equal for every field."""
    scheme = document.revision_scheme or RevisionScheme.letters
    emails: dict[int, str | None] = {}
    dumped = []
    for v in versions:
        author = v.author
        if author.id not in emails:
            emails[author.id] = author.email if may_see_email(viewer, author) else None
        dumped.append(
            {
                "number": v.number,
                "revision": revision_label(v.number, scheme),
                "state": v.state,
                "obsolete": v.state == VersionState.obsolete,
                "sha256": v.sha256,
                "size": v.size,
                "media_type": v.media_type,
                "filename": v.filename,
                "change_note": v.change_note,
                "author": emails[author.id],
                "author_name": author.name,
                "created_at": _iso(v.created_at),
                "submitted_at": _iso(v.submitted_at),
                "effective_at": _iso(v.effective_at),
                "obsolete_at": _iso(v.obsolete_at),
                "text_extracted": v.text_extracted,
                "text_status": v.text_status,
                "text_encoding": v.text_encoding,
                "page_count": v.page_count,
                "approval_route": list(v.route) if v.approval_route else None,
                "effective_on": _iso(v.effective_on),
                "change_reason": v.change_reason,
                "affected_documents": list(v.affected_documents)
                if v.affected_documents is not None
                else None,
            }
        )
    return dumped


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
    number = fields.String(metadata={"description": "document number, e.g. RD-MAN-0012"})
    revision = fields.String(allow_none=True, metadata={"description": "the effective version's revision"})
    label = fields.String(metadata={"description": "number and revision: RD-MAN-0012 Rev C"})
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
    checked_out_by = fields.Function(
        lambda d: d.checked_out_by.name if d.checked_out_by else None,
        allow_none=True,
        metadata={"description": "who has it checked out"},
    )
    checked_out_at = fields.DateTime(allow_none=True)
    approved_version = fields.Function(
        lambda d: d.approved_version.number if d.approved_version else None,
        metadata={
            "description": "a version approved and waiting for its effective date (the effective one stays "
            "in force until then)"
        },
    )
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    versions = fields.Method(
        "get_versions",
        metadata={
            "description": "The versions the caller may open (drafts only for the owning department, the "
            "author, leaders and admins)."
        },
    )

    def get_versions(self, document) -> list:
        from flask_login import current_user

        from app.documents.service import visible_versions

        viewer = current_user._get_current_object()
        return dump_versions(viewer, document, visible_versions(viewer, document))


class DocumentDetailSchema(DocumentSchema):
    issues = fields.Method("get_issues")

    def get_issues(self, document) -> list:
        from app.issues.queries import issues_linked_to_document

        return many(LinkedIssueSchema).dump(issues_linked_to_document(document))


class DocumentListSchema(Schema):
    items = fields.List(fields.Nested(DocumentSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class MetricsArgs(Schema):
    """The days an indicator covers (``GET /issues/metrics``, ``GET /plans/metrics``)."""

    from_ = fields.Date(
        data_key="from",
        metadata={
            "description": "first day, in the company's calendar (DOCTRACK_TIMEZONE); default: to - 90 days"
        },
    )
    to = fields.Date(
        metadata={"description": "last day, included, in the company's calendar; default: today"}
    )
    department = fields.String(validate=validate.Length(max=limits.FILTER))


def metrics_window(args: dict) -> tuple[datetime, datetime, int | None]:
    """[start, end) in UTC and the department id of ``MetricsArgs``: from
    ``from`` to ``to``, both included, in the company's calendar; by default
    the 90 days up to today."""
    from app.auth.service import department_by_code
    from app.clock import company_days, company_today

    end = args.get("to") or company_today()
    start = args.get("from_") or (end - timedelta(days=90))
    department_id = department_by_code(args["department"]).id if args.get("department") else None
    return (*company_days(start, end), department_id)


class DocumentCreateForm(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=limits.TITLE))
    category = fields.String(required=True, validate=validate.OneOf([c.value for c in Category]))
    doc_type = fields.String(required=True, validate=validate.OneOf(ALL_DOC_TYPES))
    product = fields.String(load_default="", validate=validate.Length(max=limits.CODE))
    department = fields.String(required=True, validate=validate.Length(max=limits.FILTER))
    important = fields.Boolean(load_default=False)
    confidentiality = fields.String(
        load_default="internal", validate=validate.OneOf([c.value for c in Confidentiality])
    )
    review_interval_months = fields.Integer(load_default=None, validate=validate.Range(1, 120))
    change_note = fields.String(load_default="", validate=validate.Length(max=limits.LONG_TEXT))


class FileUpload(Schema):
    # The marshmallow type is only for the OpenAPI description; the service
    # reads the stream itself so the size limit applies while reading.
    file = fields.Raw(metadata={"type": "string", "format": "binary", "description": "the file (required)"})


class DocumentPatchArgs(Schema):
    title = fields.String(validate=validate.Length(min=1, max=limits.TITLE))
    product = fields.String(validate=validate.Length(max=limits.CODE))
    important = fields.Boolean()
    confidentiality = fields.String(validate=validate.OneOf([c.value for c in Confidentiality]))
    review_interval_months = fields.Integer(allow_none=True, validate=validate.Range(1, 120))
    department = fields.String(
        validate=validate.Length(min=2, max=16),
        metadata={
            "description": "Owning department (code). Importance, confidentiality, department and review "
            "interval are changed only by the owning department's head, leaders and admins."
        },
    )


class VersionCreateForm(Schema):
    change_note = fields.String(required=True, validate=validate.Length(min=1, max=limits.LONG_TEXT))
    effective_on = fields.Date(load_default=None, metadata={"description": "planned effective date"})
    change_reason = fields.String(load_default=None, validate=validate.Length(max=limits.LONG_TEXT))
    affected_documents = fields.String(
        load_default=None,
        validate=validate.Length(max=limits.LONG_TEXT),
        metadata={"description": "document numbers, comma-separated"},
    )


class VersionPlanArgs(Schema):
    effective_on = fields.Date(
        allow_none=True,
        metadata={"description": "planned effective date (not in the past); null for effective at approval"},
    )
    change_reason = fields.String(validate=validate.Length(max=limits.LONG_TEXT))
    affected_documents = fields.List(
        fields.String(validate=validate.Length(max=limits.CODE)), validate=validate.Length(max=50)
    )


class NumberPatternSchema(Schema):
    category = fields.String(required=True, validate=validate.OneOf([c.value for c in Category]))
    doc_type = fields.String(
        required=True,
        validate=validate.OneOf([*ALL_DOC_TYPES, "*"]),
        metadata={"description": "a document type, or * for the category's default"},
    )
    pattern = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={
            "description": "{dept}, {type}, {cat}, {product}, {yyyy} and one {seq} (e.g. {dept}-{type}-{seq:04d})"
        },
    )
    revisions = fields.String(
        load_default="letters", attribute="revision_scheme", validate=validate.OneOf(["letters", "numbers"])
    )


class NumberPatternListSchema(Schema):
    default = fields.String()
    items = fields.List(fields.Nested(NumberPatternSchema))


class RelationArgs(Schema):
    target_id = fields.Integer(required=True)
    type = fields.String(required=True, validate=validate.OneOf(["supersedes", "references", "implements"]))


class RelatedSchema(Schema):
    id = fields.Integer(metadata={"description": "the relation's id (DELETE it from its source document)"})
    type = fields.String(
        metadata={
            "description": "supersedes | references | implements, or from the target's "
            "side superseded_by | referenced_by | implemented_by"
        }
    )
    outgoing = fields.Boolean()
    document_id = fields.Function(lambda r: r.document.id)
    number = fields.Function(lambda r: r.document.number)
    title = fields.Function(lambda r: r.document.title)


class RelationListSchema(Schema):
    items = fields.List(fields.Nested(RelatedSchema))


class CheckinArgs(Schema):
    comment = fields.String(
        load_default="",
        validate=validate.Length(max=1000),
        metadata={
            "description": "why the lock is broken (department head or admin releasing someone else's)"
        },
    )


class AuditVerifySchema(Schema):
    intact = fields.Boolean()
    checked = fields.Integer()
    broken = fields.String(allow_none=True, metadata={"description": "the first broken link, described"})
    event_id = fields.Integer(allow_none=True)


class DocumentUploadForm(DocumentCreateForm, FileUpload):
    """The whole multipart body of a new document (flask-smorest documents
    only one body schema per route: the form fields and the file in one)."""


class VersionUploadForm(VersionCreateForm, FileUpload):
    """The whole multipart body of a new version."""


class DocumentListArgs(Schema):
    category = fields.String(validate=validate.Length(max=limits.FILTER))
    doc_type = fields.String(validate=validate.Length(max=limits.FILTER))
    department = fields.String(validate=validate.Length(max=limits.FILTER))
    product = fields.String(validate=validate.Length(max=limits.CODE))
    state = fields.String(validate=validate.Length(max=limits.FILTER))
    q = fields.String(validate=validate.Length(max=limits.SEARCH_QUERY))
    review = fields.String(validate=validate.OneOf(["overdue", "due_soon", "due"]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class DownloadArgs(Schema):
    original = fields.Boolean(
        load_default=False,
        metadata={
            "description": "the stored bytes without the controlled-copy stamp (owning department and admins)"
        },
    )


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
    partial = fields.Boolean(
        metadata={
            "description": "true when the versions were too large to compare "  # type: ignore[assignment]  # a field named like Schema's option
            "in full within the time limit: the rest is one replaced block"
        }
    )


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.Function(
        lambda e: email_for_viewer(e.actor), allow_none=True, metadata={"description": EMAIL_NOTE}
    )
    actor_name = fields.Function(lambda e: e.actor.name if e.actor else None, allow_none=True)
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
