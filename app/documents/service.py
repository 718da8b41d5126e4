"""Documents and versions: create, revise, read. The only place that
changes them (approval state changes live in app.approval.service)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from app import limits
from app.audit import AuditEvent, record_event
from app.auth.models import User
from app.auth.service import department_by_code
from app.documents import blobs, numbering, signals
from app.documents.change_request import apply_change_request
from app.documents.checkout import check_not_locked
from app.documents.diff import DiffResult, diff_texts
from app.documents.filenames import sanitize_filename
from app.documents.models import (
    DOC_TYPES,
    Blob,
    Category,
    Confidentiality,
    Document,
    DocumentVersion,
    VersionState,
)
from app.documents.policy import (
    CONTROL_FIELDS,
    can_add_version,
    can_control_document,
    can_create_document,
    can_edit_document,
    can_view_document,
    can_view_version,
    viewable_versions,
    visible_documents_clause,
    visible_versions_clause,
)
from app.documents.sandbox import inspect_bounded
from app.errors import N_, FileTooLarge, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.storage import UploadTooLarge, get_store

MAX_TITLE = limits.TITLE
# Versions whose reviewers are the owning department's: moving the document
# would hand a running review to another department.
UNDER_WAY = (VersionState.in_review, VersionState.pending_approval)


@dataclass
class Upload:
    """A file as received: its stream and the name the client gave it."""

    stream: BinaryIO
    filename: str


@dataclass
class DocumentFields:
    title: str
    category: str
    doc_type: str
    department: str
    product: str = ""
    important: bool = False
    confidentiality: str = "internal"
    review_interval_months: int | None = None


def _validate_fields(fields: DocumentFields) -> None:
    if not (fields.title or "").strip():
        raise ValidationFailed(N_("title is required"), field="title")
    if len(fields.title) > MAX_TITLE:
        raise ValidationFailed(
            N_("title is longer than %(MAX_TITLE)s characters"), field="title", MAX_TITLE=MAX_TITLE
        )
    limits.check_length(fields.product, limits.CODE, "product")
    if fields.category not in Category.__members__:
        raise ValidationFailed(
            N_("unknown category %(fields_category)r; expected one of %(value)s"),
            field="category",
            fields_category=fields.category,
            value=", ".join(Category),
        )
    allowed = DOC_TYPES[fields.category]
    if fields.doc_type not in allowed:
        raise ValidationFailed(
            N_(
                "unknown doc_type %(fields_doc_type)r for category %(fields_category)s; expected one of %(value)s"
            ),
            field="doc_type",
            fields_doc_type=fields.doc_type,
            fields_category=fields.category,
            value=", ".join(allowed),
        )
    if fields.confidentiality not in Confidentiality.__members__:
        raise ValidationFailed(
            N_("unknown confidentiality %(fields_confidentiality)r"),
            field="confidentiality",
            fields_confidentiality=fields.confidentiality,
        )
    interval = fields.review_interval_months
    if interval is not None and not 1 <= interval <= 120:
        raise ValidationFailed(N_("review interval must be 1 to 120 months"), field="review_interval_months")


def _lock_for_numbering(document_id: int) -> None:
    """Lock the document row so two uploads cannot take the same number (the
    unique (document_id, number) constraint backs this up). FOR NO KEY
    UPDATE, not FOR UPDATE: rows that merely refer to the document (an audit
    event, a signature) may still be written meanwhile. With FOR UPDATE an
    approval holding the audit-chain head waited here for the upload, which
    waited for the head: a deadlock, and a 503, under the load test."""
    db.session.execute(select(Document.id).where(Document.id == document_id).with_for_update(key_share=True))


def _ingest(upload: Upload) -> DocumentVersion:
    """Spool, check, extract and store one upload; return an unsaved version.

    Nothing is kept when the file is refused: the staged copy is removed
    before the error propagates, and a blob created here is removed again
    if the transaction rolls back (see app.documents.blobs).
    """
    if upload is None or upload.stream is None:
        raise ValidationFailed(N_("a file is required"), field="file")
    filename = sanitize_filename(upload.filename)
    store = get_store()
    try:
        staged = store.stage(upload.stream, current_app.config["MAX_UPLOAD_BYTES"])
    except UploadTooLarge:
        limit_mb = current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
        raise FileTooLarge(N_("file is larger than the %(limit_mb)s MB limit"), limit_mb=limit_mb) from None
    if staged.size == 0:
        staged.discard()
        raise ValidationFailed(N_("the file is empty"), field="file")
    try:
        extracted = inspect_bounded(
            staged.path,
            filename,
            max_unpacked_bytes=current_app.config["MAX_UNPACKED_MB"] * 1024 * 1024,
            timeout_s=current_app.config["EXTRACT_TIMEOUT_S"],
            per_page_s=current_app.config["EXTRACT_MS_PER_PAGE"] / 1000,
            max_timeout_s=current_app.config["EXTRACT_TIMEOUT_MAX_S"],
            memory_mb=current_app.config["EXTRACT_MEMORY_MB"],
        )
    except BaseException:
        staged.discard()
        raise
    try:
        blobs.store_staged(store, staged, extracted.media_type)
    except BaseException:  # e.g. the storage filesystem full (ENOSPC): no staged file left behind
        staged.discard()
        raise
    return DocumentVersion(
        sha256=staged.sha256,
        filename=filename,
        media_type=extracted.media_type,
        size=staged.size,
        text=extracted.text,
        text_status=extracted.status,
        text_encoding=extracted.encoding,
        page_count=extracted.pages,
        tracked_changes=extracted.tracked_changes,
        comments=extracted.comments,
    )


def create_document(
    actor: User, fields: DocumentFields, upload: Upload, change_note: str = "", *, number: str | None = None
) -> Document:
    """``number``: a document's existing number (a legacy import, admins
    only); otherwise one is assigned from the numbering pattern."""
    _validate_fields(fields)
    department = department_by_code(fields.department)
    if not can_create_document(actor, department.id):
        raise PermissionDenied(N_("you may only create documents for your own department"))
    if number is not None and not actor.has_role("admin"):
        raise PermissionDenied(N_("only an admin may give a document its number"))
    parts = numbering.parts_today(
        department.code, fields.doc_type, fields.category, (fields.product or "").strip()
    )
    if number is not None:
        number, scheme = numbering.take_given_number(parts, number)
    version = _ingest(upload)
    if number is None:
        number, scheme = numbering.assign_number(parts)
    document = Document(
        number=number,
        revision_scheme=scheme,
        title=fields.title.strip(),
        category=fields.category,
        doc_type=fields.doc_type,
        product=(fields.product or "").strip(),
        department=department,
        important=bool(fields.important),
        confidentiality=fields.confidentiality,
        review_interval_months=fields.review_interval_months,
        created_by=actor,
    )
    db.session.add(document)
    version.number = 1
    version.author = actor
    limits.check_length((change_note or "").strip(), limits.LONG_TEXT, "change_note")
    version.change_note = (change_note or "").strip()
    version.state = VersionState.draft
    document.versions.append(version)
    db.session.flush()
    signals.version_stored.send(version)
    record_event(
        actor,
        "create",
        document,
        to_state=None,
        details={"number": document.number, "title": document.title, "category": document.category},
    )
    record_event(
        actor,
        "upload_version",
        version,
        to_state=VersionState.draft,
        comment=version.change_note,
        details={"number": 1, "sha256": version.sha256},
    )
    signals.document_changed.send(document.id)
    return document


def add_version(
    actor: User, document: Document, upload: Upload, change_note: str = "", change_request: dict | None = None
) -> DocumentVersion:
    """A new draft. ``change_request``: effective_on, change_reason,
    affected_documents (app.documents.change_request)."""
    if not can_add_version(actor, document):
        raise PermissionDenied(N_("you may not add versions to this document"))
    check_not_locked(actor, document)
    if not (change_note or "").strip():
        raise ValidationFailed(N_("a change note is required for a new version"), field="change_note")
    limits.check_length(change_note.strip(), limits.LONG_TEXT, "change_note")
    version = _ingest(upload)
    _lock_for_numbering(document.id)
    last = (
        db.session.scalar(
            select(func.max(DocumentVersion.number)).where(DocumentVersion.document_id == document.id)
        )
        or 0
    )
    version.number = last + 1
    version.author = actor
    version.change_note = change_note.strip()
    version.state = VersionState.draft
    planned = apply_change_request(version, change_request or {})
    document.versions.append(version)
    db.session.flush()
    signals.version_stored.send(version)
    record_event(
        actor,
        "upload_version",
        version,
        to_state=VersionState.draft,
        comment=version.change_note,
        details={
            "number": version.number,
            "sha256": version.sha256,
            **{name: new for name, (_old, new) in planned.items()},
        },
    )
    signals.document_changed.send(document.id)
    return version


# Reading -------------------------------------------------------------------

# Every page that shows a document lists its versions, each with its author
# (and the author's roles, which decide whether the reader sees the
# address): one query for the versions and their authors, one for the
# authors' roles, however many people wrote them.
VERSIONS_WITH_AUTHORS = selectinload(Document.versions).joinedload(DocumentVersion.author)


def get_document(user: User, document_id: int) -> Document:
    """The document, or NotFound also when ``user`` may not see it."""
    document = db.session.get(Document, document_id, options=[VERSIONS_WITH_AUTHORS])
    if document is None or not can_view_document(user, document):
        raise NotFound(N_("document %(document_id)s not found"), document_id=document_id)
    return document


def get_version(user: User, document_id: int, number: int) -> DocumentVersion:
    document = get_document(user, document_id)
    version = document.version(number)
    if version is None or not can_view_version(user, version):
        raise NotFound(
            N_("document %(document_id)s has no version %(number)s"), document_id=document_id, number=number
        )
    return version


def visible_versions(user: User, document: Document) -> list[DocumentVersion]:
    """The versions of ``document`` that ``user`` may open, oldest first."""
    return viewable_versions(user, document)


@dataclass
class DocumentFilter:
    category: str | None = None
    doc_type: str | None = None
    department: str | None = None
    product: str | None = None
    state: str | None = None
    q: str | None = None
    review: str | None = None  # "overdue" | "due_soon" (app.documents.review)


def document_query(user: User, flt: DocumentFilter) -> Select:
    query = select(Document).where(visible_documents_clause(user))
    if flt.category:
        if flt.category not in Category.__members__:
            raise ValidationFailed(
                N_("unknown category %(flt_category)r"), field="category", flt_category=flt.category
            )
        query = query.where(Document.category == flt.category)
    if flt.doc_type:
        query = query.where(Document.doc_type == flt.doc_type)
    if flt.department:
        query = query.where(Document.department_id == department_by_code(flt.department).id)
    if flt.product:
        query = query.where(Document.product == flt.product)
    if flt.state:
        if flt.state not in VersionState.__members__:
            raise ValidationFailed(N_("unknown state %(flt_state)r"), field="state", flt_state=flt.state)
        # An IN over the versions in that state (found by the state's index)
        # rather than a correlated EXISTS probed for every document.
        query = query.where(
            Document.id.in_(
                select(DocumentVersion.document_id)
                .join(Document, Document.id == DocumentVersion.document_id)
                .where(DocumentVersion.state == flt.state, visible_versions_clause(user))
                .correlate(None)
            )
        )
    if flt.q:
        pattern = "%" + flt.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            Document.title.ilike(pattern, escape="\\") | Document.number.ilike(pattern, escape="\\")
        )
    if flt.review:
        from app.documents.review import review_clause

        query = query.where(review_clause(flt.review))
    return query


def _department_code():
    from app.auth.models import Department

    return select(Department.code).where(Department.id == Document.department_id).scalar_subquery()


# The orders a document list may be sorted in: a key, "-key" for descending.
DOCUMENT_SORT_COLUMNS = {
    "number": lambda: Document.number,
    "title": lambda: Document.title,
    "category": lambda: Document.category,
    "type": lambda: Document.doc_type,
    "product": lambda: Document.product,
    "department": _department_code,
    "updated": lambda: Document.updated_at,
    "review_due": lambda: Document.review_due,
}
DOCUMENT_SORTS = tuple(k for key in DOCUMENT_SORT_COLUMNS for k in (key, "-" + key))
DEFAULT_DOCUMENT_SORT = "-updated"
NULLABLE_SORTS = ("review_due",)


def document_order(sort: str) -> tuple:
    key = sort.lstrip("-")
    if sort not in DOCUMENT_SORTS:
        raise ValidationFailed(N_("unknown sort %(sort)r"), field="sort", sort=sort)
    column = DOCUMENT_SORT_COLUMNS[key]()
    # Empty values last; only a nullable column needs the test (which would keep an index from being used).
    last = (column.is_(None),) if key in NULLABLE_SORTS else ()
    if sort.startswith("-"):
        return (*last, column.desc(), Document.id.desc())
    return (*last, column.asc(), Document.id.asc())


def list_documents(
    user: User,
    flt: DocumentFilter,
    *,
    page: int = 1,
    per_page: int = 20,
    sort: str = DEFAULT_DOCUMENT_SORT,
    authors: bool = True,
) -> tuple[Sequence[Document], int]:
    """A page of the documents ``user`` may see, each with its versions, and
    the total. ``authors=False``: without the versions' authors (the web
    list shows none; loading them is a third of its time at 60 versions a
    document)."""
    query = document_query(user, flt)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.session.scalars(
        query.options(VERSIONS_WITH_AUTHORS if authors else selectinload(Document.versions))
        .order_by(*document_order(sort))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return items, total


def diff_versions(
    user: User, document_id: int, from_n: int | None, to_n: int | None
) -> tuple[DocumentVersion, DocumentVersion, DiffResult]:
    document = get_document(user, document_id)
    if not document.versions:
        raise NotFound(N_("document has no versions"))
    to_n = to_n or document.versions[-1].number
    from_n = from_n or max(to_n - 1, 1)
    old = get_version(user, document_id, from_n)
    new = get_version(user, document_id, to_n)
    return old, new, cached_diff(old, new)


_DIFF_CACHE: OrderedDict[tuple, DiffResult] = OrderedDict()
_DIFF_CACHE_SIZE = 64
_DIFF_CACHE_LOCK = threading.Lock()


def cached_diff(old: DocumentVersion, new: DocumentVersion) -> DiffResult:
    """Versions never change, so a pair's diff is computed once per process
    (each computation is bounded by DIFF_TIMEOUT_MS)."""
    timeout_s = current_app.config["DIFF_TIMEOUT_MS"] / 1000
    key = (old.id, old.sha256, new.id, new.sha256, timeout_s)
    with _DIFF_CACHE_LOCK:
        if key in _DIFF_CACHE:
            _DIFF_CACHE.move_to_end(key)
            return _DIFF_CACHE[key]
    result = diff_texts(old.text or "", new.text or "", timeout_s=timeout_s)
    with _DIFF_CACHE_LOCK:
        _DIFF_CACHE[key] = result
        while len(_DIFF_CACHE) > _DIFF_CACHE_SIZE:
            _DIFF_CACHE.popitem(last=False)
    return result


def history(user: User, document_id: int) -> Sequence[AuditEvent]:
    """The document's audit events, less those about versions ``user`` may
    not open (a colleague's draft in another department, say)."""
    document = get_document(user, document_id)
    hidden = {v.id for v in document.versions if not can_view_version(user, v)}
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.document_id == document_id).order_by(AuditEvent.id)
    ).all()
    return [e for e in events if not (e.object_type == "document_version" and e.object_id in hidden)]


def blob_exists(sha256: str) -> bool:
    return db.session.get(Blob, sha256) is not None


def effective_version(user: User, document_id: int) -> DocumentVersion:
    document = get_document(user, document_id)
    version = document.effective_version
    if version is None:
        raise NotFound(N_("document %(document_id)s has no effective version yet"), document_id=document_id)
    return version


EDITABLE = ("title", "product", "important", "confidentiality", "department", "review_interval_months")


def update_document(actor: User, document: Document, data: dict) -> Document:
    """Edit a document's metadata (not its versions).

    Title and product: whoever may revise the document. What controls it
    (importance, confidentiality, owning department, review interval): the
    owning department's head, leaders and admins. A running review keeps
    the route fixed when it was submitted, and a review that is due stays
    due: only a review record clears it (app.documents.review).
    """
    unknown = sorted(set(data) - set(EDITABLE))
    if unknown:
        raise ValidationFailed(N_("%(unknown)s cannot be edited"), field=unknown[0], unknown=unknown[0])
    if not can_edit_document(actor, document):
        raise PermissionDenied(N_("only the owning department may edit this document"))
    department = department_by_code(data["department"]) if "department" in data else document.department
    fields = DocumentFields(
        title=data.get("title", document.title),
        category=document.category,
        doc_type=document.doc_type,
        department=department.code,
        product=data.get("product", document.product),
        important=data.get("important", document.important),
        confidentiality=data.get("confidentiality", document.confidentiality),
        review_interval_months=data.get("review_interval_months", document.review_interval_months),
    )
    _validate_fields(fields)
    wanted = {
        "title": fields.title.strip(),
        "product": (fields.product or "").strip(),
        "important": bool(fields.important),
        "confidentiality": fields.confidentiality,
        "department": department,
        "review_interval_months": fields.review_interval_months,
    }
    changed = {
        name: [getattr(document, name), value]
        for name, value in wanted.items()
        if getattr(document, name) != value
    }
    controls = sorted(set(changed) & set(CONTROL_FIELDS))
    if controls and not can_control_document(actor, document):
        raise PermissionDenied(
            N_("only the head of the owning department, a leader or an admin may change %(controls)s"),
            controls=controls[0],
        )
    if "department" in changed and any(v.state in UNDER_WAY for v in document.versions):
        raise InvalidTransition(
            N_(
                "a version of this document is under review: decide or withdraw it before moving the document to another department"
            )
        )
    for name, (_old, value) in changed.items():
        setattr(document, name, value)
    if "review_interval_months" in changed:
        from app.documents.review import reschedule

        before = document.review_due
        reschedule(document)
        if document.review_due != before:
            changed["review_due"] = [before, document.review_due]
    if changed:
        record_event(
            actor,
            "edit",
            document,
            details={name: [_plain(old), _plain(new)] for name, (old, new) in changed.items()},
        )
        signals.document_changed.send(document.id)
    db.session.flush()
    return document


def _plain(value) -> str | None:
    if value is None:
        return None
    code = getattr(value, "code", None)  # a Department
    return code if code is not None else str(value)
