"""Quarterly review meeting records: the date, who attended, each
department's update and the decisions; a decision can become an
improvement plan of its department directly (a draft, then the plan's
ordinary approval). Recorded by leaders, admins, QC and department heads;
seen by every user; audited."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app import limits
from app.audit import record_event
from app.auth.models import Department, User
from app.errors import N_, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.reminders.models import MeetingDecision, MeetingUpdate, ReviewMeeting
from app.reminders.report import parse_quarter

RECORDER_ROLES = ("admin", "leader", "qc", "dept_head")


def may_record(user: User) -> bool:
    return user.has_role(*RECORDER_ROLES)


def _department(code: str) -> Department:
    department = db.session.scalar(select(Department).where(Department.code == (code or "").strip()))
    if department is None:
        raise ValidationFailed(N_("unknown department %(code)s"), field="department", code=code)
    return department


def create(
    actor: User,
    *,
    quarter: str,
    held_on: date | None,
    attendee_ids: list[int],
    updates: dict[str, str],
    decisions: list[tuple[str, str]],
    notes: str = "",
) -> ReviewMeeting:
    """``updates``: department code -> text; ``decisions``: (text, department code or "")."""
    if not may_record(actor):
        raise PermissionDenied(
            N_("only a leader, an administrator, QC or a department head records a meeting")
        )
    period = parse_quarter(quarter)
    if held_on is None:
        raise ValidationFailed(N_("the meeting's date is required"), field="held_on")
    limits.check_length(notes, limits.LONG_TEXT, "notes")
    people = db.session.scalars(select(User).where(User.id.in_(attendee_ids or []))).all()
    if len(people) != len(set(attendee_ids or [])):
        raise ValidationFailed(N_("unknown attendee"), field="attendees")
    meeting = ReviewMeeting(
        quarter=period.label,
        held_on=held_on,
        attendees=sorted({u.id for u in people}),
        notes=(notes or "").strip(),
        created_by_id=actor.id,
    )
    for code, text in updates.items():
        if (text or "").strip():
            limits.check_length(text, limits.LONG_TEXT, "updates")
            meeting.updates.append(MeetingUpdate(department_id=_department(code).id, text=text.strip()))
    for text, code in decisions:
        if (text or "").strip():
            limits.check_length(text, limits.LONG_TEXT, "decisions")
            meeting.decisions.append(
                MeetingDecision(text=text.strip(), department_id=_department(code).id if code else None)
            )
    db.session.add(meeting)
    db.session.flush()
    record_event(
        actor,
        "record_meeting",
        meeting,
        details={"quarter": meeting.quarter, "held_on": str(held_on), "decisions": len(meeting.decisions)},
    )
    db.session.flush()
    return meeting


def get(meeting_id: int) -> ReviewMeeting:
    meeting = db.session.get(ReviewMeeting, meeting_id)
    if meeting is None:
        raise NotFound(N_("meeting %(meeting_id)s not found"), meeting_id=meeting_id)
    return meeting


def listing() -> list[ReviewMeeting]:
    return list(db.session.scalars(select(ReviewMeeting).order_by(ReviewMeeting.held_on.desc())))


def attendees(meeting: ReviewMeeting) -> list[User]:
    return list(
        db.session.scalars(select(User).where(User.id.in_(meeting.attendees or [])).order_by(User.name))
    )


def plan_from_decision(actor: User, decision_id: int):
    """An improvement plan (draft) of the decision's department, its
    problem the decision's text; once per decision."""
    from app.improvement import service as plans

    decision = db.session.get(MeetingDecision, decision_id)
    if decision is None:
        raise NotFound(N_("decision %(decision_id)s not found"), decision_id=decision_id)
    if decision.plan_id is not None:
        raise InvalidTransition(N_("this decision already has a plan"))
    meeting = db.session.get(ReviewMeeting, decision.meeting_id)
    assert meeting is not None
    code = decision.department.code if decision.department else actor.department.code
    title = decision.text.splitlines()[0][:200]
    plan = plans.create_plan(
        actor,
        {
            "kind": "improvement",
            "title": title,
            "department": code,
            "problem": f"{decision.text}\n\n({meeting.quarter} review meeting, {meeting.held_on})",
        },
    )
    decision.plan_id = plan.id
    record_event(actor, "plan_from_decision", meeting, details={"decision": decision.id, "plan": plan.id})
    db.session.flush()
    return plan
