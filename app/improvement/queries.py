"""Read-side queries of plans: filtered lists within what the reader may see."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from app.auth.models import User
from app.auth.service import department_by_code
from app.extensions import db
from app.improvement.models import Plan, PlanMeasure
from app.improvement.policy import visible_plans_clause


def list_plans(
    user: User,
    *,
    kind: str | None = None,
    state: str | None = None,
    department: str | None = None,
    owner_id: int | None = None,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[Plan], int]:
    query = select(Plan).where(visible_plans_clause(user))
    if kind:
        query = query.where(Plan.kind == kind)
    if state:
        query = query.where(Plan.state == state)
    if department:
        query = query.where(Plan.department_id == department_by_code(department).id)
    if owner_id is not None:
        query = query.where(Plan.id.in_(select(PlanMeasure.plan_id).where(PlanMeasure.owner_id == owner_id)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.session.scalars(
        query.order_by(Plan.created_at.desc(), Plan.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(items), total


def waiting_for(user: User) -> dict:
    """What waits for ``user`` on the loop: open actions they own on plans
    under way, plans waiting for their approval (leaders) or for their
    effectiveness check (QC: every action done)."""
    from app.improvement.service import WORKING
    from app.improvement.states import State

    actions = db.session.scalars(
        select(PlanMeasure)
        .join(Plan)
        .where(
            PlanMeasure.owner_id == user.id,
            PlanMeasure.status == "open",
            Plan.state.in_([s.value for s in WORKING]),
        )
        .order_by(PlanMeasure.due_date)
    ).all()
    to_approve: Sequence[Plan] = []
    if user.has_role("leader"):
        to_approve = db.session.scalars(
            select(Plan)
            .where(Plan.state == State.pending_approval, Plan.created_by_id != user.id)
            .order_by(Plan.id)
        ).all()
    to_check: Sequence[Plan] = []
    if user.has_role("qc"):
        open_actions = select(PlanMeasure.plan_id).where(PlanMeasure.status == "open")
        to_check = db.session.scalars(
            select(Plan)
            .where(Plan.state == State.in_progress, Plan.id.not_in(open_actions))
            .order_by(Plan.check_date)
        ).all()
    return {"actions": list(actions), "to_approve": list(to_approve), "to_check": list(to_check)}
