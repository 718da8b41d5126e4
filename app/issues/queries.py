"""Read-side queries: lists with filters, the linked-report list of a
document, and the department metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select

from app.auth.service import department_by_code
from app.db import utcnow
from app.documents.models import Document, DocumentVersion
from app.errors import N_, ValidationFailed
from app.extensions import db
from app.issues.models import Issue, IssueLink
from app.issues.workflow import OPEN_STATES, State


def issues_linked_to_document(document: Document) -> list[dict]:
    rows = db.session.execute(
        select(Issue.id, Issue.title, Issue.state, DocumentVersion.number, IssueLink.relation)
        .join(IssueLink, IssueLink.issue_id == Issue.id)
        .join(DocumentVersion, DocumentVersion.id == IssueLink.version_id)
        .where(DocumentVersion.document_id == document.id)
        .order_by(Issue.id, DocumentVersion.number)
    ).all()
    return [{"id": r[0], "title": r[1], "state": r[2], "version": r[3], "relation": r[4]} for r in rows]


def overdue_clause(now: datetime | None = None):
    now = now or utcnow()
    return and_(
        Issue.state.in_([s.value for s in OPEN_STATES]), Issue.due_at.is_not(None), Issue.due_at < now
    )


def is_overdue(issue: Issue, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return issue.state in OPEN_STATES and issue.due_at is not None and issue.due_at < now


@dataclass
class IssueFilter:
    state: str | None = None
    category: str | None = None
    severity: int | str | None = None
    department: str | None = None
    product: str | None = None
    source: str | None = None
    overdue: bool | None = None
    sort: str = "created"
    assigned_to: int | None = None  # the responsible person or a team member


SORTS = {
    "created": (Issue.created_at.desc(), Issue.id.desc()),
    "due": (Issue.due_at.is_(None), Issue.due_at, Issue.id),
    "severity": (Issue.severity.is_(None), Issue.severity, Issue.due_at, Issue.id),
}


def _column_sorts() -> dict:
    """Sorting by a column of the list: "key" ascending, "-key" descending."""
    from app.auth.models import Department

    department = select(Department.code).where(Department.id == Issue.department_id).scalar_subquery()
    columns = {
        "id": Issue.id,
        "title": Issue.title,
        "state": Issue.state,
        "category": Issue.category,
        "department": department,
        "product": Issue.product,
    }
    sorts: dict = {}
    for key, column in columns.items():
        sorts[key] = (column.is_(None), column.asc(), Issue.id.asc())
        sorts["-" + key] = (column.is_(None), column.desc(), Issue.id.desc())
    sorts["-due"] = (Issue.due_at.is_(None), Issue.due_at.desc(), Issue.id.desc())
    sorts["-severity"] = (Issue.severity.is_(None), Issue.severity.desc(), Issue.id.desc())
    return sorts


SORTS.update(_column_sorts())


def issue_query(flt: IssueFilter):
    from app.issues.service import parse_category, parse_severity, parse_source

    query = select(Issue)
    if flt.state:
        if flt.state not in State.__members__:
            raise ValidationFailed(N_("unknown state %(flt_state)r"), field="state", flt_state=flt.state)
        query = query.where(Issue.state == flt.state)
    if flt.category:
        query = query.where(Issue.category == parse_category(flt.category))
    if flt.severity not in (None, ""):
        query = query.where(Issue.severity == parse_severity(flt.severity))
    if flt.department:
        query = query.where(Issue.department_id == department_by_code(flt.department).id)
    if flt.product:
        query = query.where(Issue.product == flt.product)
    if flt.source:
        query = query.where(Issue.source == parse_source(flt.source))
    if flt.overdue:
        query = query.where(overdue_clause())
    if flt.assigned_to is not None:
        from app.issues.models import IssueTeamMember

        team = select(IssueTeamMember.issue_id).where(IssueTeamMember.user_id == flt.assigned_to)
        query = query.where((Issue.assignee_id == flt.assigned_to) | Issue.id.in_(team))
    if flt.sort not in SORTS:
        raise ValidationFailed(
            N_("unknown sort %(flt_sort)r; expected created, due or severity"),
            field="sort",
            flt_sort=flt.sort,
        )
    return query.order_by(*SORTS[flt.sort])


def list_issues(flt: IssueFilter, page: int = 1, per_page: int = 20):
    query = issue_query(flt)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return items, total


def all_issues(flt: IssueFilter):
    return db.session.scalars(issue_query(flt)).all()


def open_for_department(department_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Issue)
            .where(Issue.department_id == department_id, Issue.state.in_([s.value for s in OPEN_STATES]))
        )
        or 0
    )


def overdue_count(department_id: int | None = None) -> int:
    query = select(func.count()).select_from(Issue).where(overdue_clause())
    if department_id is not None:
        query = query.where(Issue.department_id == department_id)
    return db.session.scalar(query) or 0
