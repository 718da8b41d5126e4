"""Department indicators for a period.

Definitions (also in the API description):
- counts by state, category, severity and department: reports *created*
  in [from, to);
- mean time to close: over reports *closed* in [from, to), the mean of
  closed_at - created_at, in hours;
- timeliness rate: over reports closed in [from, to) that had a due date,
  the share closed on or before it (closed_at <= due_at). None when no
  report was closed in the period;
- by_month: the same per calendar month (UTC): created by category and
  severity (by creation month), closed and timeliness (by closing month).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.issues.models import Issue


def _closed(issue: Issue) -> datetime:
    """``closed_at`` of a report selected as closed."""
    assert issue.closed_at is not None
    return issue.closed_at


def _due(issue: Issue) -> datetime:
    """``due_at`` of a report selected as having one."""
    assert issue.due_at is not None
    return issue.due_at


def compute(start: datetime, end: datetime, department_id: int | None = None) -> dict:
    created = select(Issue).where(Issue.created_at >= start, Issue.created_at < end)
    closed = select(Issue).where(Issue.closed_at.is_not(None), Issue.closed_at >= start, Issue.closed_at < end)
    if department_id is not None:
        created = created.where(Issue.department_id == department_id)
        closed = closed.where(Issue.department_id == department_id)
    created_rows = db.session.scalars(created).all()
    closed_rows = db.session.scalars(closed).all()

    hours = [(_closed(i) - i.created_at).total_seconds() / 3600 for i in closed_rows]
    with_due = [i for i in closed_rows if i.due_at is not None]
    on_time = [i for i in with_due if _closed(i) <= _due(i)]
    per_department: dict[str, dict] = {}
    for issue in with_due:
        code = issue.department.code if issue.department else ""
        entry = per_department.setdefault(code, {"closed": 0, "on_time": 0})
        entry["closed"] += 1
        entry["on_time"] += _closed(issue) <= _due(issue)
    for entry in per_department.values():
        entry["timeliness_rate"] = round(entry["on_time"] / entry["closed"], 4)
    by_month: dict[str, dict] = {}
    for issue in created_rows:
        month = by_month.setdefault(issue.created_at.strftime("%Y-%m"), {
            "created": 0, "by_category": Counter(), "by_severity": Counter()})
        month["created"] += 1
        month["by_category"][issue.category or "unclassified"] += 1
        month["by_severity"][str(issue.severity or 0)] += 1
    for issue in closed_rows:
        month = by_month.setdefault(_closed(issue).strftime("%Y-%m"), {
            "created": 0, "by_category": Counter(), "by_severity": Counter()})
        month["closed"] = month.get("closed", 0) + 1
        if issue.due_at is not None:
            month["closed_with_due_date"] = month.get("closed_with_due_date", 0) + 1
            month["on_time"] = month.get("on_time", 0) + (_closed(issue) <= _due(issue))
    for month in by_month.values():
        month["by_category"], month["by_severity"] = dict(month["by_category"]), dict(month["by_severity"])
        due_count = month.get("closed_with_due_date", 0)
        month["timeliness_rate"] = round(month.get("on_time", 0) / due_count, 4) if due_count else None
    return {
        "from": start.isoformat(), "to": end.isoformat(),
        "by_month": dict(sorted(by_month.items())),
        "created": len(created_rows),
        "by_state": dict(Counter(i.state for i in created_rows)),
        "by_category": dict(Counter(i.category or "unclassified" for i in created_rows)),
        "by_severity": {str(k): v for k, v in Counter(i.severity or 0 for i in created_rows).items()},
        "by_department": dict(Counter(i.department.code if i.department else "unassigned" for i in created_rows)),
        "closed": len(closed_rows),
        "mean_hours_to_close": round(sum(hours) / len(hours), 2) if hours else None,
        "closed_with_due_date": len(with_due),
        "closed_on_time": len(on_time),
        "timeliness_rate": round(len(on_time) / len(with_due), 4) if with_due else None,
        "timeliness_by_department": per_department,
    }
