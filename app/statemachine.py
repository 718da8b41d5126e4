"""Lookups shared by the workflow tables (app/approval/states.py,
app/issues/workflow.py): each is a dict (state, action) -> rule whose
``who`` is a predicate over a context."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

R = TypeVar("R")


def lookup(
    table: Mapping[tuple[Any, Any], R],
    state_type: type[Enum],
    action_type: type[Enum],
    state: str,
    action: str,
) -> R | None:
    """The rule for ``action`` in ``state``, or None for an unknown state or
    action, or a pair the table does not allow."""
    try:
        return table.get((state_type(state), action_type(action)))
    except ValueError:
        return None


def allowed(table: dict, state: str, ctx) -> list:
    """The actions whose rule lets the actor in ``ctx`` act in ``state``."""
    return [action for (from_state, action), rule in table.items() if from_state == state and rule.who(ctx)]
