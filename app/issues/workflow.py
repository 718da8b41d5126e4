"""The problem-report workflow as data: no Flask, no database.

(state, action) -> Rule(next state, who may act, what the action needs).
A pair missing from the table conflicts with the report's state (409); a
predicate saying no is a permission problem (403); a missing requirement
is bad input (400 naming the field).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from app.statemachine import allowed, lookup


class State(enum.StrEnum):
    reported = "reported"
    triaged = "triaged"
    in_progress = "in_progress"
    resolved = "resolved"
    verified = "verified"
    closed = "closed"


class Action(enum.StrEnum):
    triage = "triage"
    start = "start"
    resolve = "resolve"
    verify = "verify"
    send_back = "send_back"
    close = "close"
    reopen = "reopen"
    # Closing as a duplicate of another report (app.issues.relations sets the pointer).
    close_duplicate = "close_duplicate"


OPEN_STATES = (State.reported, State.triaged, State.in_progress, State.resolved)
CUSTOMER_SERVICE_DEPARTMENT = "CS"


@dataclass(frozen=True)
class Context:
    actor_roles: frozenset[str]
    actor_department_id: int
    actor_department_code: str
    responsible_department_id: int | None


def can_triage(ctx: Context) -> bool:
    """Customer service (the support role or the CS department), any
    department head, or an admin."""
    return bool(
        ctx.actor_roles & {"support", "dept_head", "admin"}
        or ctx.actor_department_code == CUSTOMER_SERVICE_DEPARTMENT
    )


def in_responsible_department(ctx: Context) -> bool:
    return "admin" in ctx.actor_roles or (
        ctx.responsible_department_id is not None and ctx.actor_department_id == ctx.responsible_department_id
    )


def is_qc(ctx: Context) -> bool:
    return "qc" in ctx.actor_roles


def is_responsible_head(ctx: Context) -> bool:
    return "dept_head" in ctx.actor_roles and ctx.actor_department_id == ctx.responsible_department_id


def may_close(ctx: Context) -> bool:
    return is_qc(ctx) or is_responsible_head(ctx)


def may_reopen(ctx: Context) -> bool:
    return bool(ctx.actor_roles & {"qc", "support", "admin"}) or is_responsible_head(ctx)


@dataclass(frozen=True)
class Rule:
    to: State
    who: Callable[[Context], bool]
    who_label: str
    needs: tuple[str, ...] = ()


_TRIAGE = Rule(
    State.triaged,
    can_triage,
    "customer service or a department head",
    needs=("category", "severity", "department"),
)

TRANSITIONS: dict[tuple[State, Action], Rule] = {
    (State.reported, Action.triage): _TRIAGE,
    (State.triaged, Action.triage): _TRIAGE,  # re-route before work starts
    (State.triaged, Action.start): Rule(
        State.in_progress, in_responsible_department, "the responsible department"
    ),
    (State.in_progress, Action.resolve): Rule(
        State.resolved, in_responsible_department, "the responsible department", needs=("resolution",)
    ),
    (State.resolved, Action.verify): Rule(State.verified, is_qc, "quality control"),
    (State.resolved, Action.send_back): Rule(State.in_progress, is_qc, "quality control", needs=("comment",)),
    # A customer's report also needs the reply to the customer recorded.
    (State.verified, Action.close): Rule(
        State.closed, may_close, "quality control or the responsible department head", needs=("reply",)
    ),
    **{
        (state, Action.close_duplicate): Rule(
            State.closed, can_triage, "customer service or a department head", needs=("duplicate_of",)
        )
        for state in (*OPEN_STATES, State.verified)
    },
    (State.closed, Action.reopen): Rule(
        State.in_progress,
        may_reopen,
        "quality control, customer service or the responsible department head",
        needs=("comment",),
    ),
}


def rule_for(state: str, action: str) -> Rule | None:
    return lookup(TRANSITIONS, State, Action, state, action)


def allowed_actions(state: str, ctx: Context) -> list[Action]:
    """Actions the actor may take in ``state`` (for buttons)."""
    return allowed(TRANSITIONS, state, ctx)
