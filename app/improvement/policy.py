"""Who may see a plan: one rule, three renderings (``app.policy``).

A plan still being drawn up (draft) is seen by its department, its
author, quality control, leaders and admins; once submitted, by every
logged-in user, like the problem reports it answers.
"""

from __future__ import annotations

from app.auth.models import User
from app.improvement.models import Plan
from app.improvement.states import State
from app.policy import FieldIn, FieldIsUsers, Rule, UserHasRole, check, to_sql

PLAN_RULE: Rule = (
    FieldIn("state", tuple(s.value for s in State if s != State.draft))
    | FieldIsUsers("department_id", "department_id")
    | FieldIsUsers("author_id", "id")
    | UserHasRole(("leader", "admin", "qc"))
)


def can_view_plan(user: User, plan: Plan) -> bool:
    return check(
        PLAN_RULE,
        user,
        {"state": plan.state, "department_id": plan.department_id, "author_id": plan.created_by_id},
    )


def visible_plans_clause(user: User):
    return to_sql(
        PLAN_RULE,
        user,
        {"state": Plan.state, "department_id": Plan.department_id, "author_id": Plan.created_by_id},
    )
