"""The document-version approval workflow as data: no Flask, no database.

``TRANSITIONS`` maps (state, action) to a Rule: the next state, who may act
(a predicate over a :class:`Context`), what the action needs (a comment to
reject), and what a signature on it means. A pair missing from the table is
a conflict with the version's state (409); a predicate saying no is a
permission problem (403).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from app.documents.models import VersionState as State
from app.statemachine import allowed, lookup


class Action(enum.StrEnum):
    submit = "submit"
    approve = "approve"
    reject = "reject"
    withdraw = "withdraw"


@dataclass(frozen=True)
class Context:
    """What the rules need to know about the actor and the version."""

    actor_id: int
    actor_roles: frozenset[str]
    actor_department_id: int
    author_id: int
    document_department_id: int
    # The route fixed on the version at submission (or, before that, the one
    # a submission would fix now).
    route: tuple[str, ...]
    # The version has a planned effective date after today (company time):
    # the final approval makes it "approved", pending effective.
    effective_later: bool = False


def is_author(ctx: Context) -> bool:
    return ctx.actor_id == ctx.author_id


def is_reviewer(ctx: Context) -> bool:
    """The head of the owning department, never the version's author."""
    return (
        "dept_head" in ctx.actor_roles
        and ctx.actor_department_id == ctx.document_department_id
        and not is_author(ctx)
    )


def is_approver(ctx: Context) -> bool:
    """A leader, never the version's author."""
    return "leader" in ctx.actor_roles and not is_author(ctx)


def needs_leader(ctx: Context) -> bool:
    return "leader" in ctx.route


def _final(ctx: Context) -> State:
    """After the last signature: effective now, or approved until its date."""
    return State.approved if ctx.effective_later else State.effective


def _after_review(ctx: Context) -> State:
    return State.pending_approval if needs_leader(ctx) else _final(ctx)


@dataclass(frozen=True)
class Rule:
    to: State | Callable[[Context], State]
    who: Callable[[Context], bool]
    who_label: str
    needs: tuple[str, ...] = ()
    meaning: str | None = None  # what a signature on this decision means

    def target(self, ctx: Context) -> State:
        return self.to(ctx) if callable(self.to) else self.to

    def signature_meaning(self, ctx: Context) -> str | None:
        if self.meaning == "reviewed_or_approved":
            return "reviewed" if needs_leader(ctx) else "approved"
        return self.meaning


TRANSITIONS: dict[tuple[State, Action], Rule] = {
    (State.draft, Action.submit): Rule(State.in_review, is_author, "the version's author"),
    (State.withdrawn, Action.submit): Rule(State.in_review, is_author, "the version's author"),
    (State.in_review, Action.approve): Rule(
        _after_review,
        is_reviewer,
        "the head of the owning department (not the author)",
        meaning="reviewed_or_approved",
    ),
    (State.in_review, Action.reject): Rule(
        State.rejected,
        is_reviewer,
        "the head of the owning department (not the author)",
        needs=("comment",),
        meaning="rejected",
    ),
    (State.in_review, Action.withdraw): Rule(State.withdrawn, is_author, "the version's author"),
    (State.pending_approval, Action.approve): Rule(
        _final, is_approver, "a leader (not the author)", meaning="approved"
    ),
    (State.pending_approval, Action.reject): Rule(
        State.rejected, is_approver, "a leader (not the author)", needs=("comment",), meaning="rejected"
    ),
    (State.pending_approval, Action.withdraw): Rule(State.withdrawn, is_author, "the version's author"),
}

# States in which a version waits for somebody's decision.
UNDER_REVIEW = (State.in_review, State.pending_approval)
# Approved and waiting for its effective date: no other version may be
# submitted meanwhile. The scheduler makes it effective (app.approval.service
# make_due_versions_effective), not an action of this table.
WAITING = (*UNDER_REVIEW, State.approved)


def route_for(important: bool) -> tuple[str, ...]:
    """The signatures a version needs: the department head's, then a
    leader's for important documents."""
    return ("dept_head", "leader") if important else ("dept_head",)


def rule_for(state: str, action: str) -> Rule | None:
    return lookup(TRANSITIONS, State, Action, state, action)


def allowed_actions(state: str, ctx: Context) -> list[Action]:
    """Actions the actor may take in ``state`` (for buttons)."""
    return allowed(TRANSITIONS, state, ctx)
