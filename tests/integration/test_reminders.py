"""Reminders and escalation (app.reminders.service) with a frozen clock:
lead times, month ends, the company's time zone and a daylight-saving
change; each reminder is sent once however often the job runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.backup.scheduler import run_reminders_job
from app.extensions import db
from app.improvement.models import Plan, PlanMeasure
from app.issues.models import Issue
from app.notify.models import Notification
from app.reminders.models import ReminderSent
from app.reminders.service import send_reminders, working_days_between


def at(moment: str):
    """Freeze the clock at an ISO instant (UTC unless it says otherwise)."""
    return time_machine.travel(datetime.fromisoformat(moment), tick=False)


def stages(kind: str | None = None) -> set[tuple[str, int, str]]:
    query = select(ReminderSent)
    if kind:
        query = query.where(ReminderSent.kind == kind)
    return {(r.stage, r.recipient_id, r.period) for r in db.session.scalars(query)}


def inbox(user) -> list[str]:
    return list(db.session.scalars(select(Notification.message).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


@pytest.fixture
def people(make_user):
    return {
        "author": make_user("author", "RD", name="Ann Author"),
        "head": make_user("dept_head", "RD", name="Hank Head"),
        "leader": make_user("leader", "MGT", name="Lee Leader"),
        "admin": make_user("admin", "IT", name="Ada Admin"),
        "engineer": make_user("author", "RD", name="Eve Engineer"),
    }


def effective_document(make_document, author, review_due: date):
    document = make_document(author)
    version = document.versions[0]
    version.state = "effective"
    document.review_due = review_due
    document.reviewed_on = review_due - timedelta(days=365)
    db.session.commit()
    return document


def test_working_days_skip_weekends():
    friday = date(2026, 10, 30)
    assert working_days_between(friday, date(2026, 10, 31)) == 0  # Saturday
    assert working_days_between(friday, date(2026, 11, 2)) == 1  # Monday
    assert working_days_between(friday, date(2026, 11, 13)) == 10
    assert working_days_between(friday, friday) == 0


def test_review_reminders_30_7_overdue_then_leader_across_month_end(app, people, make_document):
    app.config["ESCALATE_AFTER_DAYS"] = 7
    author, head, leader = people["author"], people["head"], people["leader"]
    document = effective_document(make_document, author, date(2026, 11, 30))
    with at("2026-10-30T01:00:00+00:00"):  # 31 days before: nothing yet
        assert send_reminders() == []
    with at("2026-10-31T01:00:00+00:00"):  # 30 days before (Taipei), across the month end
        send_reminders()
        send_reminders()  # a second run the same day sends nothing more
    assert stages("review") == {("due30", author.id, "2026-11-30")}
    assert "due on 2026-11-30 (30 days left)" in inbox(author)[0]
    with at("2026-11-20T01:00:00+00:00"):  # 10 days left: still the 30-day reminder, not again
        assert send_reminders() == []
    with at("2026-11-23T01:00:00+00:00"):
        assert [s.stage for s in send_reminders()] == ["due7"]
    with at("2026-12-01T01:00:00+00:00"):  # overdue: owner and department head, not yet the leader
        sent = send_reminders()
    assert {(s.stage, s.recipient_id) for s in sent} == {("overdue", author.id), ("overdue", head.id)}
    assert inbox(leader) == []
    with at("2026-12-06T01:00:00+00:00"):  # 6 days overdue: not yet
        assert send_reminders() == []
    with at("2026-12-07T01:00:00+00:00"):  # 7 days overdue: the leader
        sent = send_reminders()
    assert {(s.stage, s.recipient_id) for s in sent} == {("leader", leader.id)}
    assert "overdue since 2026-11-30 (7 days)" in inbox(leader)[0]
    with at("2026-12-20T01:00:00+00:00"):
        assert send_reminders() == []
    # A review recorded: the next due date is a new period, reminded afresh.
    document.review_due = date(2027, 11, 30)
    db.session.commit()
    with at("2027-10-31T01:00:00+00:00"):
        assert [s.stage for s in send_reminders()] == ["due30"]


def test_review_reminder_in_the_recipients_language(app, people, make_document):
    people["author"].locale = "zh_Hant"
    db.session.commit()
    effective_document(make_document, people["author"], date(2026, 11, 30))
    with at("2026-11-23T01:00:00+00:00"):
        send_reminders()
    assert "定期審查" in inbox(people["author"])[0]


def test_company_date_decides_across_the_utc_midnight(app, people, make_document):
    """Taipei is UTC+8: at 17:00 UTC on 30 Oct it is already 31 Oct there."""
    effective_document(make_document, people["author"], date(2026, 11, 30))
    with at("2026-10-30T15:59:00+00:00"):
        assert send_reminders() == []
    with at("2026-10-30T16:01:00+00:00"):
        assert [s.stage for s in send_reminders()] == ["due30"]


def make_issue(people, due_at: datetime, *, assignee=True, state="in_progress") -> Issue:
    issue = Issue(title="X200 overheats", product="X200", category="quality", severity=1,
                  department_id=people["engineer"].department_id,
                  assignee_id=people["engineer"].id if assignee else None,
                  reported_by_id=people["author"].id, state=state, due_at=due_at)
    db.session.add(issue)
    db.session.commit()
    return issue


def test_issue_due_in_zone_across_daylight_saving(app, people):
    """New York changes to summer time on 8 March 2026. The report is due
    at 23:30 local time on 8 March (03:30 UTC on the 9th): its due date is
    the 8th in the company's zone, not the UTC date."""
    app.config["BABEL_DEFAULT_TIMEZONE"] = "America/New_York"
    app.config["ESCALATE_AFTER_DAYS"] = 3
    engineer, head, leader = people["engineer"], people["head"], people["leader"]
    issue = make_issue(people, datetime(2026, 3, 9, 3, 30, tzinfo=UTC))
    with at("2026-03-07T03:00:00+00:00"):  # 6 March 22:00 EST: two days left
        assert send_reminders() == []
    with at("2026-03-07T06:00:00+00:00"):  # 7 March 01:00 EST: one day left
        assert [(s.stage, s.recipient_id) for s in send_reminders()] == [("due1", engineer.id)]
    with at("2026-03-09T03:59:00+00:00"):  # 8 March 23:59 EDT: due today, not overdue
        assert send_reminders() == []
    with at("2026-03-09T04:01:00+00:00"):  # 9 March 00:01 EDT (UTC-4 now): overdue
        sent = send_reminders()
    assert {(s.stage, s.recipient_id) for s in sent} == {("overdue", engineer.id), ("overdue", head.id)}
    with at("2026-03-11T03:59:00+00:00"):  # 10 March 23:59 EDT: 2 days overdue
        assert send_reminders() == []
    with at("2026-03-11T04:01:00+00:00"):  # 11 March 00:01 EDT: 3 days overdue, the leader
        assert [(s.stage, s.recipient_id) for s in send_reminders()] == [("leader", leader.id)]
    assert stages("issue") >= {("due1", engineer.id, "2026-03-08")}
    assert f"#{issue.id} X200 overheats" in inbox(engineer)[0]


def test_issue_without_assignee_reminds_the_head_and_closed_reports_are_quiet(app, people):
    make_issue(people, datetime(2026, 11, 1, 8, 0, tzinfo=UTC), assignee=False)
    make_issue(people, datetime(2026, 11, 1, 8, 0, tzinfo=UTC), state="closed")
    with at("2026-10-31T01:00:00+00:00"):
        sent = send_reminders()
    assert [(s.stage, s.recipient_id) for s in sent] == [("due1", people["head"].id)]


def test_improvement_action_due_and_overdue(app, people):
    plan = Plan(kind="improvement", title="Fan control", department_id=people["head"].department_id,
                created_by_id=people["head"].id, state="in_progress")
    db.session.add(plan)
    db.session.flush()
    measure = PlanMeasure(plan_id=plan.id, type="corrective", description="Replace the fan firmware",
                          owner_id=people["engineer"].id, due_date=date(2026, 12, 31))
    done = PlanMeasure(plan_id=plan.id, type="corrective", description="Done already",
                       owner_id=people["engineer"].id, due_date=date(2026, 12, 31), status="done")
    db.session.add_all([measure, done])
    db.session.commit()
    with at("2026-12-30T01:00:00+00:00"):
        assert [(s.stage, s.object_id) for s in send_reminders()] == [("due1", measure.id)]
    with at("2027-01-01T01:00:00+00:00"):  # across the year end
        sent = send_reminders()
    assert {(s.stage, s.recipient_id) for s in sent} == {
        ("overdue", people["engineer"].id), ("overdue", people["head"].id)}
    assert "Replace the fan firmware" in inbox(people["engineer"])[-1]
    plan.state = "closed"
    db.session.commit()
    with at("2027-01-20T01:00:00+00:00"):
        assert send_reminders() == []


def test_approval_waiting_n_working_days_then_next_level(app, people, make_document):
    app.config["APPROVAL_REMINDER_WORKING_DAYS"] = 3
    document = make_document(people["author"])
    version = document.versions[0]
    version.state, version.approval_route = "in_review", "dept_head,leader"
    version.submitted_at = datetime(2026, 10, 30, 2, 0, tzinfo=UTC)  # Friday in Taipei
    db.session.commit()
    with at("2026-11-04T01:00:00+00:00"):  # Wednesday: 3 working days, not more
        assert send_reminders() == []
    with at("2026-11-05T01:00:00+00:00"):  # Thursday: 4
        assert [(s.stage, s.recipient_id) for s in send_reminders()] == [("waiting", people["head"].id)]
    assert "waited 4 working days" in inbox(people["head"])[0]
    with at("2026-11-11T01:00:00+00:00"):  # 8 working days > 2N: the leaders
        assert [(s.stage, s.recipient_id) for s in send_reminders()] == [("next_level", people["leader"].id)]
    # Reviewed: the leader's step starts a new period; its next level is the administrators.
    version.state = "pending_approval"
    version.submitted_at = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)
    db.session.commit()
    with at("2026-11-25T01:00:00+00:00"):
        sent = send_reminders()
    assert {(s.stage, s.recipient_id) for s in sent} == {
        ("waiting", people["leader"].id), ("next_level", people["admin"].id)}


def test_scheduler_job_commits_and_a_second_run_sends_nothing(app, people, make_document):
    effective_document(make_document, people["author"], date(2026, 11, 30))
    with at("2026-11-23T01:00:00+00:00"):
        assert run_reminders_job(app) == 1
        assert run_reminders_job(app) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
