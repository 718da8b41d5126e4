"""Metrics against a hand-computed fixture."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.auth.service import department_by_code
from app.extensions import db
from app.issues.models import Issue

T0 = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


def report(user, *, created_day, state, category, severity, dept, due_days=None, closed_after_hours=None):
    created = T0 + timedelta(days=created_day)
    issue = Issue(title=f"{category}-{severity}", reported_by=user, source="internal", state=state,
                  category=category, severity=severity, department_id=department_by_code(dept).id,
                  created_at=created)
    if due_days is not None:
        issue.due_at = created + timedelta(days=due_days)
    if closed_after_hours is not None:
        issue.closed_at = created + timedelta(hours=closed_after_hours)
    db.session.add(issue)
    return issue


@pytest.fixture
def fixture_reports(make_user, make_department):
    user = make_user("support", "CS")
    for code in ("RD", "QC"):
        make_department(code)
    # In the period 2026-10-01 .. 2026-10-31:
    # 1. RD, quality, sev 1, due 3 days, closed after 48 h   -> on time
    report(user, created_day=0, state="closed", category="quality", severity=1, dept="RD", due_days=3,
           closed_after_hours=48)
    # 2. RD, technical, sev 2, due 10 days, closed after 300 h (12.5 days) -> late
    report(user, created_day=2, state="closed", category="technical", severity=2, dept="RD", due_days=10,
           closed_after_hours=300)
    # 3. QC, quality, sev 3, due 30 days, closed after 24 h -> on time
    report(user, created_day=5, state="closed", category="quality", severity=3, dept="QC", due_days=30,
           closed_after_hours=24)
    # 4. QC, service, sev 3, still in progress (counted as created, not closed)
    report(user, created_day=10, state="in_progress", category="service", severity=3, dept="QC", due_days=30)
    # 5. Outside the period (created in September, closed in September): ignored.
    report(user, created_day=-20, state="closed", category="quality", severity=1, dept="RD", due_days=3,
           closed_after_hours=10)
    db.session.commit()


def test_metrics_match_the_hand_computed_values(api_as, make_user, fixture_reports):
    api = api_as(make_user("leader", "MGMT"))
    m = api.get("/issues/metrics", query_string={"from": "2026-10-01", "to": "2026-10-31"}).json
    assert m["created"] == 4
    assert m["by_state"] == {"closed": 3, "in_progress": 1}
    assert m["by_category"] == {"quality": 2, "technical": 1, "service": 1}
    assert m["by_severity"] == {"1": 1, "2": 1, "3": 2}
    assert m["by_department"] == {"RD": 2, "QC": 2}
    assert m["closed"] == 3
    # (48 + 300 + 24) / 3 = 124 hours
    assert m["mean_hours_to_close"] == 124.0
    # 2 of 3 closed by their due date
    assert m["closed_on_time"] == 2 and m["timeliness_rate"] == round(2 / 3, 4)
    assert m["timeliness_by_department"] == {
        "RD": {"closed": 2, "on_time": 1, "timeliness_rate": 0.5},
        "QC": {"closed": 1, "on_time": 1, "timeliness_rate": 1.0},
    }
    # Per month: everything in October 2026 (created and closed).
    october = m["by_month"]["2026-10"]
    assert october["created"] == 4 and october["closed"] == 3
    assert october["by_category"] == {"quality": 2, "technical": 1, "service": 1}
    assert october["by_severity"] == {"1": 1, "2": 1, "3": 2}
    assert october["timeliness_rate"] == round(2 / 3, 4)
    assert list(m["by_month"]) == ["2026-10"]
    rd = api.get("/issues/metrics", query_string={"from": "2026-10-01", "to": "2026-10-31",
                                                  "department": "RD"}).json
    assert rd["created"] == 2 and rd["timeliness_rate"] == 0.5 and rd["mean_hours_to_close"] == 174.0


def test_metrics_page_shows_the_rate(client, login, make_user, fixture_reports):
    login(make_user("leader", "MGMT"))
    page = client.get("/issues/metrics?from=2026-10-01&to=2026-10-31").get_data(as_text=True)
    assert 'data-metric="timeliness">66.7%' in page
    assert "5.2" in page  # 124 h = 5.2 days
    assert 'data-chart="by-month"' in page and "2026-10" in page
