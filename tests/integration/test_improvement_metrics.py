"""The loop's indicators against a hand-computed fixture (rules in
app/improvement/metrics.py and app/issues/metrics.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.auth.service import department_by_code
from app.extensions import db
from app.improvement.models import Plan, PlanMeasure
from app.issues.models import Issue, IssueFollowUp, IssueReply


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def fixture(make_user):
    a, b = make_user("author", "RD", email="a@example.com"), make_user("author", "PROD", email="b@example.com")
    rd = department_by_code("RD")

    def plan(kind="improvement", state="in_progress", **fields):
        row = Plan(kind=kind, title="p", department_id=rd.id, created_by_id=a.id, state=state, **fields)
        db.session.add(row)
        db.session.flush()
        return row

    def measure(p, owner, due, status="open", done_at=None):
        db.session.add(PlanMeasure(plan_id=p.id, type="corrective", description="m", owner_id=owner.id,
                                   due_date=date.fromisoformat(due), status=status,
                                   done_at=at(done_at) if done_at else None))

    p1 = plan()
    measure(p1, a, "2000-01-01")  # open, overdue
    measure(p1, a, "2999-01-01")  # open
    measure(p1, a, "2026-10-10", "done", "2026-10-05T08:00:00")  # done on time
    measure(p1, a, "2026-10-15", "done", "2026-10-20T08:00:00")  # done late
    measure(p1, a, "2026-09-10", "done", "2026-09-01T08:00:00")  # done before the period
    measure(plan(state="draft"), b, "2000-01-01")  # a draft's action is not under way
    # first checks: effective, not effective (later effective), effective; one before the period
    plan(state="closed", first_checked_at=at("2026-10-10T00:00:00"), first_check_effective=True, check_count=1)
    plan(state="closed", first_checked_at=at("2026-10-12T00:00:00"), first_check_effective=False, check_count=2)
    plan(state="closed", first_checked_at=at("2026-10-15T00:00:00"), first_check_effective=True, check_count=1)
    plan(state="closed", first_checked_at=at("2026-09-30T00:00:00"), first_check_effective=True, check_count=1)
    approved = at("2026-09-01T00:00:00")
    plan("upgrade", "closed", approved_at=approved, release_date=date(2026, 10, 20),
         released_at=at("2026-10-19T10:00:00"))  # completed
    plan("upgrade", "testing", approved_at=approved, release_date=date(2026, 10, 25))  # not released
    plan("upgrade", "closed", approved_at=approved, release_date=date(2026, 10, 5),
         released_at=at("2026-10-06T10:00:00"))  # late
    plan("upgrade", "draft", release_date=date(2026, 10, 10))  # never approved
    plan("upgrade", "development", approved_at=approved, release_date=date(2026, 11, 5))  # after the period

    def issue(product, created, source="customer"):
        row = Issue(title="i", source=source, customer_ref="C", product=product, reported_by_id=a.id,
                    state="closed", created_at=at(created))
        db.session.add(row)
        db.session.flush()
        return row

    def reply(i, sent):
        db.session.add(IssueReply(issue_id=i.id, author_id=a.id, text="r", sent_at=at(sent)))

    def call(i, score, when):
        db.session.add(IssueFollowUp(issue_id=i.id, author_id=a.id, score=score, created_at=at(when)))

    i1, i2, i3 = issue("X200", "2026-10-01T00:00:00"), issue("X300", "2026-10-10T00:00:00"), \
        issue("X200", "2026-09-20T00:00:00")
    reply(i1, "2026-10-01T06:00:00")
    reply(i1, "2026-10-02T00:00:00")
    reply(i2, "2026-10-11T00:00:00")
    reply(i3, "2026-09-30T12:00:00")  # first reply before the period
    call(i1, 5, "2026-10-03T00:00:00")
    call(i1, 4, "2026-10-20T00:00:00")
    call(i2, 2, "2026-10-15T00:00:00")
    call(i3, 1, "2026-09-30T00:00:00")  # before the period
    db.session.commit()


PERIOD = {"from": "2026-10-01", "to": "2026-10-31"}


def test_plan_metrics_match_the_hand_computed_figures(api_as, make_user, fixture):
    m = api_as(make_user("leader", "MGMT")).get("/plans/metrics", query_string=PERIOD).json
    assert m["open_actions_by_owner"] == {"a@example.com": 2}
    assert m["overdue_actions_by_owner"] == {"a@example.com": 1}
    assert m["open_actions_by_department"] == {"RD": 2} and m["overdue_actions_by_department"] == {"RD": 1}
    assert (m["actions_done"], m["actions_done_on_time"], m["action_on_time_rate"]) == (2, 1, 0.5)
    assert (m["plans_checked"], m["plans_effective_at_first_check"]) == (3, 2)
    assert m["plan_effectiveness_rate"] == 0.6667
    assert (m["upgrade_plans_due"], m["upgrade_plans_completed"], m["upgrade_completion_rate"]) == (3, 1, 0.3333)


def test_customer_metrics_match_the_hand_computed_figures(api_as, make_user, fixture):
    m = api_as(make_user("leader", "MGMT")).get("/issues/metrics", query_string=PERIOD).json
    s = m["satisfaction"]
    assert (s["count"], s["mean"]) == (3, 3.67)
    assert s["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    assert {k: (v["count"], v["mean"]) for k, v in s["by_product"].items()} == {"X200": (2, 4.5), "X300": (1, 2.0)}
    assert {k: (v["count"], v["mean"]) for k, v in s["by_month"].items()} == {"2026-10": (3, 3.67)}
    assert m["first_reply"] == {"replied": 2, "mean_hours_to_first_reply": 15.0}


def test_the_metrics_page_shows_the_loop(client, login, make_user, fixture):
    page = login(make_user("leader", "MGMT")).get("/issues/metrics", query_string=PERIOD).get_data(as_text=True)
    assert 'data-metric="plan-effectiveness">66.7%' in page
    assert 'data-metric="action-on-time">50.0%' in page
    assert 'data-metric="upgrade-completion">33.3%' in page
    assert 'data-metric="satisfaction">3.67 / 5' in page
    assert "15.0" in page
