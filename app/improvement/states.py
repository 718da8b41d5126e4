"""The plan workflows as data: no Flask, no database.

Two tables, one per plan kind, each (state, action) -> Rule(next state,
who may act, what the action needs). A pair missing from the table is a
conflict with the plan's state (409); a predicate saying no is a
permission problem (403); ``needs`` names the requirements the service
checks (a missing comment is 400; actions not done, a check date not
reached, missing test participants are 409: the plan is not there yet).
``signs`` marks actions that are signatures (password in the request).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from app.statemachine import allowed, lookup


class State(enum.StrEnum):
    draft = "draft"
    pending_approval = "pending_approval"
    # improvement plans
    in_progress = "in_progress"
    sent_back = "sent_back"  # not effective: new actions, then approval again
    # upgrade plans
    development = "development"
    testing = "testing"
    released = "released"
    closed = "closed"


class Action(enum.StrEnum):
    submit = "submit"
    approve = "approve"
    reject = "reject"
    revise = "revise"  # the goal or the actions of an approved plan changed
    check_effective = "check_effective"
    check_ineffective = "check_ineffective"
    reopen = "reopen"
    test = "test"
    release = "release"
    send_back = "send_back"
    promote = "promote"


OPEN_STATES = (
    State.pending_approval,
    State.in_progress,
    State.sent_back,
    State.development,
    State.testing,
    State.released,
)
MARKETING_DEPARTMENT = "MKT"
CUSTOMER_SERVICE_DEPARTMENT = "CS"


@dataclass(frozen=True)
class Context:
    actor_id: int
    actor_roles: frozenset[str]
    actor_department_id: int
    actor_department_code: str
    plan_department_id: int
    created_by_id: int


def in_plan_department(ctx: Context) -> bool:
    """The responsible department (or whoever drew the plan up), or an admin."""
    return (
        "admin" in ctx.actor_roles
        or ctx.actor_department_id == ctx.plan_department_id
        or ctx.actor_id == ctx.created_by_id
    )


def is_plan_head(ctx: Context) -> bool:
    return "admin" in ctx.actor_roles or (
        "dept_head" in ctx.actor_roles and ctx.actor_department_id == ctx.plan_department_id
    )


def is_leader(ctx: Context) -> bool:
    """Management: a leader who did not draw the plan up."""
    return "leader" in ctx.actor_roles and ctx.actor_id != ctx.created_by_id


def is_qc(ctx: Context) -> bool:
    return "qc" in ctx.actor_roles


def qc_or_leader(ctx: Context) -> bool:
    return is_qc(ctx) or "leader" in ctx.actor_roles


def head_or_qc(ctx: Context) -> bool:
    return is_plan_head(ctx) or is_qc(ctx)


def head_or_marketing(ctx: Context) -> bool:
    return is_plan_head(ctx) or ctx.actor_department_code == MARKETING_DEPARTMENT


@dataclass(frozen=True)
class Rule:
    to: State
    who: Callable[[Context], bool]
    who_label: str
    needs: tuple[str, ...] = ()
    signs: bool = False


_SUBMIT = Rule(State.pending_approval, in_plan_department, "the responsible department")
_REVISE = Rule(State.pending_approval, in_plan_department, "the responsible department")
_REJECT = Rule(
    State.draft,
    is_leader,
    "management (a leader other than the plan's author)",
    needs=("comment",),
    signs=True,
)

IMPROVEMENT: dict[tuple[State, Action], Rule] = {
    (State.draft, Action.submit): _SUBMIT,
    (State.pending_approval, Action.approve): Rule(
        State.in_progress,
        is_leader,
        "management (a leader other than the plan's author)",
        needs=("measures",),
        signs=True,
    ),
    (State.pending_approval, Action.reject): _REJECT,
    (State.in_progress, Action.revise): _REVISE,
    (State.in_progress, Action.check_effective): Rule(
        State.closed, is_qc, "quality control", needs=("measures_done", "check_date")
    ),
    (State.in_progress, Action.check_ineffective): Rule(
        State.sent_back, is_qc, "quality control", needs=("measures_done", "check_date", "comment")
    ),
    (State.sent_back, Action.submit): _SUBMIT,
    (State.closed, Action.reopen): Rule(
        State.sent_back, qc_or_leader, "quality control or management", needs=("comment",)
    ),
}

UPGRADE: dict[tuple[State, Action], Rule] = {
    (State.draft, Action.submit): _SUBMIT,
    (State.pending_approval, Action.approve): Rule(
        State.development,
        is_leader,
        "management (a leader other than the plan's author)",
        needs=("measures",),
        signs=True,
    ),
    (State.pending_approval, Action.reject): _REJECT,
    (State.development, Action.revise): _REVISE,
    (State.development, Action.test): Rule(State.testing, in_plan_department, "the responsible department"),
    # Marketing and customer service take part in the test (policy): a
    # test task owned by each, done, before the release.
    (State.testing, Action.release): Rule(
        State.released, is_plan_head, "the responsible department head", needs=("test_participants",)
    ),
    (State.testing, Action.send_back): Rule(
        State.development,
        head_or_qc,
        "the responsible department head or quality control",
        needs=("comment",),
    ),
    (State.released, Action.promote): Rule(
        State.closed, head_or_marketing, "marketing or the responsible department head"
    ),
}

TABLES = {"improvement": IMPROVEMENT, "upgrade": UPGRADE}


def rule_for(kind: str, state: str, action: str) -> Rule | None:
    return lookup(TABLES[kind], State, Action, state, action)


def allowed_actions(kind: str, state: str, ctx: Context) -> list[Action]:
    return allowed(TABLES[kind], state, ctx)
