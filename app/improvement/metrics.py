"""Indicators of the improvement loop for a period [from, to).

Rules (also in the API description and README):
- open_actions / overdue_actions by owner and department: actions of
  approved plans (not draft, not pending approval, not closed) whose status
  is open, counted now; overdue = due_date before today. Keyed by
  the owner's e-mail and the owner's department code.
- action_on_time_rate: over actions marked done in [from, to), the share
  done on or before their due date (the day done_at falls on <= due_date).
  None when no action was done in the period.
- plan_effectiveness_rate: over improvement plans whose *first*
  effectiveness check happened in [from, to), the share found effective
  at that first check. Later checks of the same plan do not count again.
- upgrade_completion_rate: over upgrade plans approved at least once whose
  release_date falls in [from, to), the share released on or before the
  release date (the day released_at falls on <= release_date). A plan
  not released yet counts as not completed.

Days are days of the company's calendar (app/clock.py): "today", the day an
action was done or a plan released, and the days [from, to) spans.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select

from app.clock import company_date, company_today
from app.extensions import db
from app.improvement.models import MeasureStatus, Plan, PlanKind, PlanMeasure
from app.improvement.states import State

NOT_UNDER_WAY = (State.draft, State.pending_approval, State.closed)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def compute(start: datetime, end: datetime, department_id: int | None = None) -> dict:
    today = company_today()
    plans = select(Plan)
    if department_id is not None:
        plans = plans.where(Plan.department_id == department_id)
    plan_rows = db.session.scalars(plans).all()
    plan_ids = [p.id for p in plan_rows]
    measures = (
        db.session.scalars(select(PlanMeasure).where(PlanMeasure.plan_id.in_(plan_ids))).all()
        if plan_ids
        else []
    )

    open_by_owner: Counter[str] = Counter()
    overdue_by_owner: Counter[str] = Counter()
    open_by_department: Counter[str] = Counter()
    overdue_by_department: Counter[str] = Counter()
    for m in measures:
        if m.status != MeasureStatus.open or m.plan.state in NOT_UNDER_WAY:
            continue
        owner, department = m.owner.email, m.owner.department.code
        open_by_owner[owner] += 1
        open_by_department[department] += 1
        if m.due_date < today:
            overdue_by_owner[owner] += 1
            overdue_by_department[department] += 1
    done = [m for m in measures if m.done_at is not None and start <= m.done_at < end]
    on_time = [m for m in done if m.done_at is not None and company_date(m.done_at) <= m.due_date]

    checked = [
        p
        for p in plan_rows
        if p.kind == PlanKind.improvement
        and p.first_checked_at is not None
        and start <= p.first_checked_at < end
    ]
    effective_first = [p for p in checked if p.first_check_effective]

    upgrades = [
        p
        for p in plan_rows
        if p.kind == PlanKind.upgrade
        and p.approved_at is not None
        and p.release_date is not None
        and company_date(start) <= p.release_date < company_date(end)
    ]
    completed = [
        p
        for p in upgrades
        if p.released_at is not None
        and p.release_date is not None
        and company_date(p.released_at) <= p.release_date
    ]
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "open_actions_by_owner": dict(open_by_owner),
        "overdue_actions_by_owner": dict(overdue_by_owner),
        "open_actions_by_department": dict(open_by_department),
        "overdue_actions_by_department": dict(overdue_by_department),
        "open_actions": sum(open_by_owner.values()),
        "overdue_actions": sum(overdue_by_owner.values()),
        "actions_done": len(done),
        "actions_done_on_time": len(on_time),
        "action_on_time_rate": _rate(len(on_time), len(done)),
        "plans_checked": len(checked),
        "plans_effective_at_first_check": len(effective_first),
        "plan_effectiveness_rate": _rate(len(effective_first), len(checked)),
        "upgrade_plans_due": len(upgrades),
        "upgrade_plans_completed": len(completed),
        "upgrade_completion_rate": _rate(len(completed), len(upgrades)),
    }
