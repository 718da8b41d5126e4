"""Read-side queries of plans: filtered lists within what the reader may see."""

from __future__ import annotations

from sqlalchemy import func, select

from app.auth.models import User
from app.auth.service import department_by_code
from app.extensions import db
from app.improvement.models import Plan, PlanMeasure
from app.improvement.policy import visible_plans_clause


def list_plans(user: User, *, kind: str | None = None, state: str | None = None,
               department: str | None = None, owner_id: int | None = None,
               page: int = 1, per_page: int = 20) -> tuple[list[Plan], int]:
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
    items = db.session.scalars(query.order_by(Plan.created_at.desc(), Plan.id.desc())
                               .offset((page - 1) * per_page).limit(per_page)).all()
    return list(items), total
