"""A working day on the lists: bulk actions on a selection (each item
through its feature's service and checks), the document picker, and the
dashboard's lists of my tasks and recently changed documents."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.documents.models import Document, DocumentVersion, VersionState
from app.documents.policy import can_view_version, visible_documents_clause
from app.errors import N_, DomainError, ValidationFailed
from app.extensions import db

MAX_SELECTION = 200
MAX_ZIP_BYTES = 200 * 1024 * 1024
DOCUMENT_ACTIONS = ("submit", "withdraw")
# Problem-report actions a list can apply to several reports at once: those
# that need at most a comment (classifying or resolving needs a form per report).
ISSUE_ACTIONS = ("start", "verify", "send_back", "close", "reopen")


@dataclass
class Outcome:
    """What a bulk action did: per item, its label and either done or the reason it was refused."""

    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def check_selection(ids: Sequence[int]) -> list[int]:
    unique = list(dict.fromkeys(ids))
    if not unique:
        raise ValidationFailed(N_("Select at least one row."), field="ids")
    if len(unique) > MAX_SELECTION:
        raise ValidationFailed(N_("At most %(max)s rows at once."), field="ids", max=MAX_SELECTION)
    return unique


def _each(items: Sequence[tuple[str, Callable[[], object]]]) -> Outcome:
    """Apply each change in a savepoint of its own: a refused one is rolled
    back alone and the others stay."""
    outcome = Outcome()
    for label, change in items:
        savepoint = db.session.begin_nested()
        try:
            change()
            savepoint.commit()
            outcome.done.append(label)
        except DomainError as exc:
            savepoint.rollback()
            outcome.refused.append((label, exc.message))
    return outcome


def selected_documents(user: User, ids: Sequence[int]) -> list[Document]:
    """The selected documents ``user`` may see, in the order selected (the others are not found)."""
    found = {
        d.id: d
        for d in db.session.scalars(
            select(Document)
            .where(Document.id.in_(check_selection(ids)), visible_documents_clause(user))
            .options(selectinload(Document.versions))
        )
    }
    return [found[i] for i in ids if i in found]


def document_state_change(user: User, ids: Sequence[int], action: str) -> Outcome:
    """Submit the latest draft, or withdraw the version under review, of
    each selected document, each through the approval workflow's checks."""
    from app.approval import service as approval

    def _act_on(version: DocumentVersion) -> Callable[[], object]:
        return lambda: approval.act(version, action, actor=user)

    if action not in DOCUMENT_ACTIONS:
        raise ValidationFailed(N_("Unknown action %(action)s."), field="action", action=action)
    documents = selected_documents(user, ids)
    outcome = Outcome()
    missing = len(set(check_selection(ids))) - len(documents)
    if missing:
        outcome.refused.append(("–", _not_found(missing)))
    items: list[tuple[str, Callable[[], object]]] = []
    for document in documents:
        version = document.latest_version
        if version is None or not can_view_version(user, version):
            outcome.refused.append((document.label, _no_version()))
            continue
        items.append((f"{document.label} v{version.number}", _act_on(version)))
    result = _each(items)
    outcome.done += result.done
    outcome.refused += result.refused
    return outcome


def _not_found(count: int) -> str:
    from flask_babel import ngettext

    return ngettext("%(num)s selected row was not found.", "%(num)s selected rows were not found.", count)


def _no_version() -> str:
    from flask_babel import gettext

    return gettext("No version you may open.")


def download_version(user: User, document: Document) -> DocumentVersion | None:
    """What a download of the document gives ``user``: the effective
    version, else the latest version they may open."""
    effective = document.effective_version
    if effective is not None and can_view_version(user, effective):
        return effective
    visible = [v for v in document.versions if can_view_version(user, v)]
    return visible[-1] if visible else None


def documents_zip(user: User, ids: Sequence[int]) -> tuple[bytes, Outcome]:
    """A ZIP of what ``user`` would download of each selected document; a
    document they may not see or whose file is missing is left out and
    listed in the outcome (and in a file MISSING.txt inside the ZIP)."""
    from app.documents.downloads import version_bytes

    documents = selected_documents(user, ids)
    outcome = Outcome()
    buffer = io.BytesIO()
    total = 0
    names: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for document in documents:
            version = download_version(user, document)
            if version is None:
                outcome.refused.append((document.label, _no_version()))
                continue
            try:
                name, data = version_bytes(version, user)
            except DomainError as exc:
                outcome.refused.append((document.label, exc.message))
                continue
            total += len(data)
            if total > MAX_ZIP_BYTES:
                raise ValidationFailed(
                    N_("The selected files are larger than %(mb)s MB together; select fewer."),
                    field="ids",
                    mb=MAX_ZIP_BYTES // (1024 * 1024),
                )
            entry = f"{document.number}_{name}".replace("/", "_")
            while entry in names:
                entry = "_" + entry
            names.add(entry)
            archive.writestr(entry, data)
            outcome.done.append(document.label)
        missing = len(check_selection(ids)) - len(documents)
        if missing:
            outcome.refused.append(("–", _not_found(missing)))
        if outcome.refused:
            archive.writestr(
                "MISSING.txt", "\n".join(f"{label}: {reason}" for label, reason in outcome.refused)
            )
    return buffer.getvalue(), outcome


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


DOCUMENT_CSV_COLUMNS = (
    "number",
    "title",
    "category",
    "doc_type",
    "department",
    "product",
    "effective_version",
    "latest_version",
    "latest_state",
    "review_due",
    "updated_at",
)


def documents_csv(user: User, ids: Sequence[int]) -> bytes:
    """The selected documents ``user`` may see as CSV (UTF-8 with a BOM for spreadsheets)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(DOCUMENT_CSV_COLUMNS)
    for d in selected_documents(user, ids):
        visible = [v for v in d.versions if can_view_version(user, v)]
        latest = visible[-1] if visible else None
        effective = d.effective_version
        writer.writerow(
            [
                _cell(v)
                for v in (
                    d.number,
                    d.title,
                    d.category,
                    d.doc_type,
                    d.department.code,
                    d.product,
                    effective.number if effective else "",
                    latest.number if latest else "",
                    latest.state if latest else "",
                    d.review_due.isoformat() if d.review_due else "",
                    d.updated_at.isoformat(timespec="seconds"),
                )
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def issue_state_change(user: User, ids: Sequence[int], action: str, comment: str = "") -> Outcome:
    """Apply ``action`` to each selected report through the problem-report
    workflow (its own checks of state, role and requirements per report)."""
    from app.issues import service as issues
    from app.issues.models import Issue

    if action not in ISSUE_ACTIONS:
        raise ValidationFailed(N_("Unknown action %(action)s."), field="action", action=action)
    wanted = check_selection(ids)
    found = {i.id: i for i in db.session.scalars(select(Issue).where(Issue.id.in_(wanted)))}
    outcome = Outcome()
    missing = len(wanted) - len(found)
    if missing:
        outcome.refused.append(("–", _not_found(missing)))

    def change(issue: Issue) -> Callable[[], object]:
        return lambda: issues.act(issue, action, actor=user, comment=comment)

    result = _each([(f"#{issue.id}", change(issue)) for issue in (found[i] for i in wanted if i in found)])
    outcome.done += result.done
    outcome.refused += result.refused
    return outcome


def selected_issues(ids: Sequence[int]):
    from app.issues.models import Issue

    wanted = check_selection(ids)
    found = {i.id: i for i in db.session.scalars(select(Issue).where(Issue.id.in_(wanted)))}
    return [found[i] for i in wanted if i in found]


def mark_notifications_read(user: User, ids: Sequence[int] | None) -> int:
    """Mark the user's selected notifications (all unread ones when ``ids``
    is None) read; someone else's are never touched. Returns how many."""
    from sqlalchemy import update

    from app.db import utcnow
    from app.notify.models import Notification

    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(check_selection(ids)))
    result = db.session.execute(query.values(read_at=utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


# The document picker ----------------------------------------------------------

PICKER_LIMIT = 10


def pick_documents(user: User, text: str, limit: int = PICKER_LIMIT) -> list[dict]:
    """Documents ``user`` may see whose number or title contains ``text``
    (or whose id is ``text``), each with the versions they may open."""
    text = (text or "").strip()
    if not text:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    conditions: list = [
        Document.title.ilike(pattern, escape="\\"),
        Document.number.ilike(pattern, escape="\\"),
    ]
    if text.isdigit() and len(text) < 10:
        conditions.append(Document.id == int(text))
    matches = or_(*conditions)
    documents = db.session.scalars(
        select(Document)
        .where(visible_documents_clause(user), matches)
        .options(selectinload(Document.versions))  # for the label and the versions: no query per document
        .order_by(func.length(Document.number), Document.number, Document.id)
        .limit(limit)
    ).all()
    return [
        {
            "id": d.id,
            "number": d.number,
            "label": d.label,
            "title": d.title,
            "versions": [
                {"number": v.number, "state": v.state} for v in d.versions if can_view_version(user, v)
            ],
        }
        for d in documents
    ]


# The dashboard -----------------------------------------------------------------


def recently_changed(user: User, limit: int = 10) -> list[Document]:
    return list(
        db.session.scalars(
            select(Document)
            .where(visible_documents_clause(user))
            .options(selectinload(Document.versions))
            .order_by(Document.updated_at.desc(), Document.id.desc())
            .limit(limit)
        )
    )


def waiting_approvals(user: User, limit: int = 10) -> tuple[list[DocumentVersion], int]:
    from app.approval.service import inbox_query

    query = inbox_query(user)
    if query is None:
        return [], 0
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    # inbox_query already loads each version's document (and its versions) with the page.
    items = list(db.session.scalars(query.limit(limit)))
    return items, total


def my_open_reports(user: User, limit: int = 10):
    from app.issues import queries
    from app.issues.models import Issue
    from app.issues.workflow import OPEN_STATES

    query = queries.issue_query(queries.IssueFilter(assigned_to=user.id, sort="due")).where(
        Issue.state.in_([s.value for s in OPEN_STATES])
    )
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return list(db.session.scalars(query.limit(limit))), total


def acknowledgements_due(user: User, limit: int = 10):
    from app.training.models import Acknowledgement

    query = (
        select(Acknowledgement)
        .join(DocumentVersion, DocumentVersion.id == Acknowledgement.version_id)
        .where(
            Acknowledgement.user_id == user.id,
            Acknowledgement.acknowledged_at.is_(None),
            DocumentVersion.state == VersionState.effective,
        )
        .options(selectinload(Acknowledgement.version).selectinload(DocumentVersion.document))
        .order_by(Acknowledgement.due_on, Acknowledgement.id)
    )
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return list(db.session.scalars(query.limit(limit))), total


def document_ref(user: User, text: str) -> int:
    """The id of the document ``user`` names by its number or its id (as
    typed in the link form); NotFound alike for one that does not exist and
    one they may not see."""
    from app.errors import NotFound

    text = (text or "").strip()
    clause = Document.number == text
    if text.isdigit() and len(text) < 10:
        clause = or_(clause, Document.id == int(text))
    found = db.session.scalar(
        select(Document.id)
        .where(clause, visible_documents_clause(user))
        .order_by((Document.number == text).desc())
        .limit(1)
    )
    if found is None:
        raise NotFound(N_("No document %(ref)s that you may see."), ref=text[:60])
    return found
