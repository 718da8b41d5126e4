"""Quarterly review meeting records: attendees, per-department updates,
decisions that become improvement plans directly."""

from __future__ import annotations

from sqlalchemy import select

from app.audit import AuditEvent
from app.extensions import db
from app.improvement.models import Plan


def test_record_a_meeting_and_draw_up_a_plan_from_a_decision(client, login, make_user):
    leader = make_user("leader", "MGT")
    head = make_user("dept_head", "RD")
    qc = make_user("qc", "QC")
    login(leader)
    response = client.post("/meetings/new", data={
        "quarter": "2026-Q4", "held_on": "2026-12-18", "attendees": [str(leader.id), str(head.id), str(qc.id)],
        "update-RD": "X200 firmware 2.1 released", "update-QC": "Failure rate down to 1.2 per 1,000",
        "decision-0": "Add a thermal test to the X200 inspection\nBefore the next batch", "decision-dept-0": "QC",
        "decision-1": "Review the manual's safety chapter", "decision-dept-1": "RD",
    })
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "X200 firmware 2.1 released" in page and head.name in page and "2026-12-18" in page
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "record_meeting")) is not None
    from app.reminders.models import MeetingDecision

    decision = db.session.scalars(select(MeetingDecision).order_by(MeetingDecision.id)).first()
    response = client.post(f"/meetings/decisions/{decision.id}/plan")
    assert response.status_code == 302 and "/plans/" in response.headers["Location"]
    plan = db.session.scalar(select(Plan))
    assert (plan.title, plan.department.code, plan.state, plan.kind) == (
        "Add a thermal test to the X200 inspection", "QC", "draft", "improvement")
    assert "2026-Q4 review meeting" in plan.problem
    db.session.expire_all()
    assert db.session.get(MeetingDecision, decision.id).plan_id == plan.id
    again = client.post(f"/meetings/decisions/{decision.id}/plan", follow_redirects=True)
    assert "already has a plan" in again.get_data(as_text=True)
    assert len(db.session.scalars(select(Plan)).all()) == 1
    assert f'data-plan="{plan.id}"' in client.get(f"/meetings/{decision.meeting_id}").get_data(as_text=True)


def test_bad_input_and_who_records(client, login, make_user):
    login(make_user("author", "RD"))
    assert client.get("/meetings").status_code == 200
    assert client.post("/meetings/new", data={"quarter": "2026-Q4", "held_on": "2026-12-18"}).status_code == 403
    client.post("/logout")
    login(make_user("leader", "MGT"))
    for data, message in (({"quarter": "Q4", "held_on": "2026-12-18"}, "YYYY-Qn"),
                          ({"quarter": "2026-Q4", "held_on": ""}, "date is required"),
                          ({"quarter": "2026-Q4", "held_on": "2026-12-18", "decision-0": "x",
                            "decision-dept-0": "NOPE"}, "unknown department")):
        page = client.post("/meetings/new", data=data).get_data(as_text=True)
        assert message in page
    from app.reminders.models import ReviewMeeting

    assert db.session.scalar(select(ReviewMeeting)) is None
