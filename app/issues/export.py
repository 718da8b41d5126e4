"""CSV export of a report list: UTF-8 with a BOM so spreadsheet programs
show Chinese correctly."""

from __future__ import annotations

import csv
import io

from app.auth.contacts import may_see_email
from app.auth.models import User
from app.issues.customer import may_see_contact
from app.issues.models import Issue
from app.issues.queries import is_overdue

COLUMNS = (
    "id",
    "title",
    "state",
    "category",
    "severity",
    "department",
    "product",
    "source",
    "customer_ref",
    "found_at",
    "created_at",
    "due_at",
    "overdue",
    "closed_at",
    "reported_by",
    "reported_by_name",
    "channel",
    "contact",
)


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # Spreadsheets execute cells starting with these: neutralise formulas.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(issues: list[Issue], viewer: User) -> bytes:
    """``reported_by`` is the reporter's e-mail where ``viewer`` may see it
    (app.auth.contacts), else empty; ``reported_by_name`` always. The
    customer's ``contact`` only for those who may see it (customer service,
    the responsible people): empty in exports for other departments."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for i in issues:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    i.id,
                    i.title,
                    i.state,
                    i.category,
                    i.severity,
                    i.department.code if i.department else "",
                    i.product,
                    i.source,
                    i.customer_ref,
                    i.found_at and i.found_at.isoformat(),
                    i.created_at.isoformat(),
                    i.due_at and i.due_at.isoformat(),
                    "yes" if is_overdue(i) else "no",
                    i.closed_at and i.closed_at.isoformat(),
                    i.reported_by.email if may_see_email(viewer, i.reported_by) else "",
                    i.reported_by.name,
                    i.channel,
                    i.contact if may_see_contact(viewer, i) else "",
                )
            ]
        )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
