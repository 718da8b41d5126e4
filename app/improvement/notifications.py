"""Who is told when a plan moves (connected in ``create_app``): leaders
when it waits for approval, the author and the action owners when it is
decided or sent back, QC when every action is done, an owner when an
action is given to them."""

from __future__ import annotations

from app.auth.models import User
from app.auth.service import users_with_role
from app.errors import N_
from app.improvement.models import Plan, PlanMeasure
from app.improvement.states import State
from app.notify.service import notify


def _label(plan: Plan) -> str:
    return f"Plan #{plan.id} {plan.title}"


def on_state_changed(plan: Plan, *, to_state: str, actor: User, comment: str, **_) -> None:
    link = f"/plans/{plan.id}"
    workers = [plan.created_by, *(m.owner for m in plan.measures)]
    if to_state == State.pending_approval:
        leaders = [u for u in users_with_role("leader") if u.id != plan.created_by_id]
        notify(
            leaders,
            "plan_approval_requested",
            N_("%(label)s: waiting for your approval"),
            link,
            label=_label(plan),
        )
    elif to_state in (State.in_progress, State.development) and plan.approved_at is not None:
        notify(
            workers,
            "plan_approved",
            N_("%(label)s: approved by %(actor_name)s"),
            link,
            label=_label(plan),
            actor_name=actor.name,
        )
    elif to_state == State.draft:
        notify(
            workers,
            "plan_rejected",
            N_("%(label)s: rejected by %(actor_name)s: %(comment)s"),
            link,
            label=_label(plan),
            actor_name=actor.name,
            comment=comment,
        )
    elif to_state == State.sent_back:
        notify(
            workers,
            "plan_sent_back",
            N_("%(label)s: not effective (%(actor_name)s): %(comment)s"),
            link,
            label=_label(plan),
            actor_name=actor.name,
            comment=comment,
        )
    elif to_state == State.closed:
        notify(
            workers,
            "plan_closed",
            N_("%(label)s: closed (%(actor_name)s)"),
            link,
            label=_label(plan),
            actor_name=actor.name,
        )


def on_measure_assigned(measure: PlanMeasure, *, actor: User, **_) -> None:
    if measure.owner_id != actor.id:
        notify(
            [measure.owner],
            "action_assigned",
            N_("%(label)s: action assigned to you, due %(measure_due_date)s"),
            f"/plans/{measure.plan_id}",
            label=_label(measure.plan),
            measure_due_date=measure.due_date,
        )


def on_measures_done(plan: Plan, *, actor: User, **_) -> None:
    if plan.state == State.in_progress:
        when = plan.check_date.isoformat() if plan.check_date else "-"
        notify(
            users_with_role("qc"),
            "plan_check_due",
            N_("%(label)s: every action is done; effectiveness check on or after %(when)s"),
            f"/plans/{plan.id}",
            label=_label(plan),
            when=when,
        )
