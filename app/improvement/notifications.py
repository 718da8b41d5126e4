"""Who is told when a plan moves (connected in ``create_app``): leaders
when it waits for approval, the author and the action owners when it is
decided or sent back, QC when every action is done, an owner when an
action is given to them."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User, UserRole
from app.extensions import db
from app.improvement.models import Plan, PlanMeasure
from app.improvement.states import State
from app.notify.service import notify


def _with_role(role: str) -> list[User]:
    query = select(User).join(UserRole).where(UserRole.role == role, User.active.is_(True))
    return list(db.session.scalars(query).unique())


def _label(plan: Plan) -> str:
    return f"Plan #{plan.id} {plan.title}"


def on_state_changed(plan: Plan, *, to_state: str, actor: User, comment: str, **_) -> None:
    link = f"/plans/{plan.id}"
    workers = [plan.created_by, *(m.owner for m in plan.measures)]
    if to_state == State.pending_approval:
        leaders = [u for u in _with_role("leader") if u.id != plan.created_by_id]
        notify(leaders, "plan_approval_requested", f"{_label(plan)}: waiting for your approval", link)
    elif to_state in (State.in_progress, State.development) and plan.approved_at is not None:
        notify(workers, "plan_approved", f"{_label(plan)}: approved by {actor.name}", link)
    elif to_state == State.draft:
        notify(workers, "plan_rejected", f"{_label(plan)}: rejected by {actor.name}: {comment}", link)
    elif to_state == State.sent_back:
        notify(workers, "plan_sent_back", f"{_label(plan)}: not effective ({actor.name}): {comment}", link)
    elif to_state == State.closed:
        notify(workers, "plan_closed", f"{_label(plan)}: closed ({actor.name})", link)


def on_measure_assigned(measure: PlanMeasure, *, actor: User, **_) -> None:
    if measure.owner_id != actor.id:
        notify(
            [measure.owner],
            "action_assigned",
            f"{_label(measure.plan)}: action assigned to you, due {measure.due_date.isoformat()}",
            f"/plans/{measure.plan_id}",
        )


def on_measures_done(plan: Plan, *, actor: User, **_) -> None:
    if plan.state == State.in_progress:
        when = plan.check_date.isoformat() if plan.check_date else "-"
        notify(
            _with_role("qc"),
            "plan_check_due",
            f"{_label(plan)}: every action is done; effectiveness check on or after {when}",
            f"/plans/{plan.id}",
        )
