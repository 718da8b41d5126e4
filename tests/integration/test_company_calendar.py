"""The improvement loop and the indicators count days of the company's
calendar (Asia/Taipei in the tests, eight hours ahead of UTC), as the
reminders and the monthly report's periods already did: from 16:00 to
24:00 UTC it is already the next day in Taipei."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from app.auth.service import department_by_code
from app.extensions import db
from app.improvement.models import Plan
from app.issues.models import Issue
from tests.factories import DEFAULT_PASSWORD as PW

EVENING_18TH = "2026-11-18T10:00:00+00:00"  # 18:00 on the 18th in Taipei
EARLY_19TH = "2026-11-18T17:00:00+00:00"  # 01:00 on the 19th in Taipei, still the 18th in UTC


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture(autouse=True)
def evening():
    with time_machine.travel(EVENING_18TH, tick=False):
        yield


@pytest.fixture
def people(make_user):
    return {
        "rd": make_user("author", "RD"),
        "qc": make_user("qc", "QC"),
        "leader": make_user("leader", "MGMT"),
    }


@pytest.fixture
def apis(api_as, people):
    return {name: api_as(user) for name, user in people.items()}


def add_action(apis, people, pid: int, due_date: str):
    body = {
        "type": "corrective",
        "description": "更換軸承供應商",
        "owner_id": people["rd"].id,
        "due_date": due_date,
    }
    return apis["rd"].post(f"/plans/{pid}/measures", json=body)


def plan_in_progress(apis, people, *, check_date: str, due_date: str) -> int:
    body = {
        "kind": "improvement",
        "title": "X200 風扇異音改善",
        "problem": "異音",
        "root_cause": "潤滑脂不足",
        "goal": "異音投訴為零",
        "check_date": check_date,
        "department": "RD",
        "product": "X200",
    }
    plan = apis["rd"].post("/plans", json=body)
    assert plan.status_code == 201, plan.json
    pid = plan.json["id"]
    measure = add_action(apis, people, pid, due_date)
    assert measure.status_code == 201, measure.json
    assert apis["rd"].post(f"/plans/{pid}/actions", json={"action": "submit"}).status_code == 200
    approved = apis["leader"].post(f"/plans/{pid}/actions", json={"action": "approve", "password": PW})
    assert approved.json["state"] == "in_progress", approved.json
    return pid


def test_the_effectiveness_check_opens_at_midnight_in_taipei(apis, people):
    pid = plan_in_progress(apis, people, check_date="2026-11-19", due_date="2026-11-18")
    mid = apis["rd"].get(f"/plans/{pid}").json["measures"][0]["id"]
    assert apis["rd"].patch(f"/plans/{pid}/measures/{mid}", json={"status": "done"}).status_code == 200
    early = apis["qc"].post(f"/plans/{pid}/actions", json={"action": "check", "effective": True})
    assert early.status_code == 409 and "2026" in early.json["error"]["message"]
    with time_machine.travel(EARLY_19TH, tick=False):
        checked = apis["qc"].post(f"/plans/{pid}/actions", json={"action": "check", "effective": True})
    assert checked.status_code == 200, checked.json
    assert checked.json["state"] == "closed"


def test_a_date_already_past_in_taipei_is_refused(apis, people):
    pid = plan_in_progress(apis, people, check_date="2026-11-30", due_date="2026-11-30")
    with time_machine.travel(EARLY_19TH, tick=False):
        late = add_action(apis, people, pid, "2026-11-18")
        on_the_day = add_action(apis, people, pid, "2026-11-19")
    assert late.status_code == 400 and late.json["error"]["field"] == "due_date"
    assert on_the_day.status_code == 201


def test_an_action_due_yesterday_in_taipei_is_overdue(apis, people):
    pid = plan_in_progress(apis, people, check_date="2026-11-30", due_date="2026-11-18")
    assert apis["rd"].get(f"/plans/{pid}").json["measures"][0]["overdue"] is False
    with time_machine.travel(EARLY_19TH, tick=False):
        assert apis["rd"].get(f"/plans/{pid}").json["measures"][0]["overdue"] is True
        metrics = apis["leader"].get("/plans/metrics").json
    assert metrics["overdue_actions_by_department"] == {"RD": 1}


def test_the_month_of_a_release_and_of_a_report_is_the_company_s(apis, people):
    rd = department_by_code("RD")
    # Released on the last day of October at 10:00 in Taipei (02:00 UTC), as planned.
    db.session.add(
        Plan(
            kind="upgrade",
            title="X200 韌體 2.1",
            department_id=rd.id,
            created_by_id=people["rd"].id,
            state="closed",
            approved_at=at("2026-10-01T09:00:00+08:00"),
            release_date=date(2026, 10, 31),
            released_at=at("2026-10-31T10:00:00+08:00"),
        )
    )
    # Reported at 02:00 on 1 November in Taipei: 18:00 on 31 October in UTC.
    db.session.add(
        Issue(
            title="E03 過熱",
            source="internal",
            reported_by_id=people["rd"].id,
            state="reported",
            category="quality",
            severity=2,
            department_id=rd.id,
            created_at=at("2026-11-01T02:00:00+08:00"),
        )
    )
    db.session.commit()

    def rd_row(month):
        body = apis["leader"].get("/assessment", query_string={"month": month}).json
        return next(d for d in body["departments"] if d["code"] == "RD")

    october, november = rd_row("2026-10"), rd_row("2026-11")
    assert (october["upgrade_plans_due"], october["upgrade_plans_completed"]) == (1, 1)
    assert november["upgrade_plans_due"] == 0
    days = {"from": "2026-11-01", "to": "2026-11-30"}
    assert apis["leader"].get("/plans/metrics", query_string=days).json["upgrade_plans_due"] == 0
    issues = apis["leader"].get("/issues/metrics", query_string=days).json
    assert issues["created"] == 1 and list(issues["by_month"]) == ["2026-11"]
    october_issues = apis["leader"].get(
        "/issues/metrics", query_string={"from": "2026-10-01", "to": "2026-10-31"}
    )
    assert october_issues.json["created"] == 0


def test_an_action_done_after_midnight_in_taipei_is_late(apis, people):
    pid = plan_in_progress(apis, people, check_date="2026-11-30", due_date="2026-11-18")
    mid = apis["rd"].get(f"/plans/{pid}").json["measures"][0]["id"]
    with time_machine.travel(EARLY_19TH, tick=False):
        assert apis["rd"].patch(f"/plans/{pid}/measures/{mid}", json={"status": "done"}).status_code == 200
    figures = (
        apis["leader"].get("/plans/metrics", query_string={"from": "2026-11-01", "to": "2026-11-30"}).json
    )
    assert (figures["actions_done"], figures["actions_done_on_time"]) == (1, 0)
