"""Department indicators for a period.

Definitions (also in the API description):
- counts by state, category, severity and department: reports *created*
  in [from, to);
- mean time to close: over reports *closed* in [from, to), the mean of
  closed_at - created_at, in hours;
- timeliness rate: over reports closed in [from, to) that had a due date,
  the share closed on or before it (closed_at <= due_at). None when no
  report was closed in the period;
- by_month: the same per calendar month of the company (app/clock.py):
  created by category and severity (by creation month), closed and
  timeliness (by closing month).
- satisfaction: over follow-up calls recorded in [from, to) (each call
  counts once, whatever the report), the mean score (2 decimals), the
  count per score 1-5, and the same mean and count per product and per
  calendar month of the call. None means when there was no call.
- time to first reply: over reports from customers whose *first* reply
  was sent in [from, to), the mean of first reply's sent_at - the report's
  created_at, in hours (2 decimals); with the count of such reports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select

from app.clock import company_month
from app.extensions import db
from app.issues.models import Issue, IssueFollowUp, IssueReply, IssueSource


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def satisfaction(start: datetime, end: datetime, department_id: int | None = None) -> dict:
    query = (
        select(IssueFollowUp)
        .join(Issue)
        .where(IssueFollowUp.created_at >= start, IssueFollowUp.created_at < end)
    )
    if department_id is not None:
        query = query.where(Issue.department_id == department_id)
    calls = db.session.scalars(query).all()
    by_product: dict[str, list[int]] = {}
    by_month: dict[str, list[int]] = {}
    for call in calls:
        by_product.setdefault(call.issue.product or "", []).append(call.score)
        by_month.setdefault(company_month(call.created_at), []).append(call.score)

    def summary(scores: list[int]) -> dict:
        counts = Counter(scores)
        return {
            "count": len(scores),
            "mean": _mean(scores),
            "distribution": {str(n): counts.get(n, 0) for n in range(1, 6)},
        }

    return {
        **summary([c.score for c in calls]),
        "by_product": {k: summary(v) for k, v in sorted(by_product.items())},
        "by_month": {k: summary(v) for k, v in sorted(by_month.items())},
    }


def first_reply(start: datetime, end: datetime, department_id: int | None = None) -> dict:
    first = (
        select(IssueReply.issue_id, func.min(IssueReply.sent_at).label("sent_at"))
        .group_by(IssueReply.issue_id)
        .subquery()
    )
    query = (
        select(Issue, first.c.sent_at)
        .join(first, first.c.issue_id == Issue.id)
        .where(Issue.source == IssueSource.customer)
    )
    if department_id is not None:
        query = query.where(Issue.department_id == department_id)
    hours = []
    for issue, sent_at in db.session.execute(query).all():
        sent_at = sent_at if sent_at.tzinfo else sent_at.replace(tzinfo=UTC)
        if start <= sent_at < end:
            hours.append((sent_at - issue.created_at).total_seconds() / 3600)
    return {"replied": len(hours), "mean_hours_to_first_reply": _mean(hours)}


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
    closed = select(Issue).where(
        Issue.closed_at.is_not(None), Issue.closed_at >= start, Issue.closed_at < end
    )
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
        month = by_month.setdefault(
            company_month(issue.created_at),
            {"created": 0, "by_category": Counter(), "by_severity": Counter()},
        )
        month["created"] += 1
        month["by_category"][issue.category or "unclassified"] += 1
        month["by_severity"][str(issue.severity or 0)] += 1
    for issue in closed_rows:
        month = by_month.setdefault(
            company_month(_closed(issue)),
            {"created": 0, "by_category": Counter(), "by_severity": Counter()},
        )
        month["closed"] = month.get("closed", 0) + 1
        if issue.due_at is not None:
            month["closed_with_due_date"] = month.get("closed_with_due_date", 0) + 1
            month["on_time"] = month.get("on_time", 0) + (_closed(issue) <= _due(issue))
    for month in by_month.values():
        month["by_category"], month["by_severity"] = dict(month["by_category"]), dict(month["by_severity"])
        due_count = month.get("closed_with_due_date", 0)
        month["timeliness_rate"] = round(month.get("on_time", 0) / due_count, 4) if due_count else None
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "by_month": dict(sorted(by_month.items())),
        "created": len(created_rows),
        "by_state": dict(Counter(i.state for i in created_rows)),
        "by_category": dict(Counter(i.category or "unclassified" for i in created_rows)),
        "by_severity": {str(k): v for k, v in Counter(i.severity or 0 for i in created_rows).items()},
        "by_department": dict(
            Counter(i.department.code if i.department else "unassigned" for i in created_rows)
        ),
        "closed": len(closed_rows),
        "mean_hours_to_close": round(sum(hours) / len(hours), 2) if hours else None,
        "closed_with_due_date": len(with_due),
        "closed_on_time": len(on_time),
        "timeliness_rate": round(len(on_time) / len(with_due), 4) if with_due else None,
        "timeliness_by_department": per_department,
        "satisfaction": satisfaction(start, end, department_id),
        "first_reply": first_reply(start, end, department_id),
    }
