"""The plan state tables, written out here and compared cell by cell."""

from __future__ import annotations

import itertools

import pytest

from app.improvement.states import Action, Context, State, allowed_actions, rule_for

IMPROVEMENT = {
    ("draft", "submit"): "pending_approval",
    ("pending_approval", "approve"): "in_progress",
    ("pending_approval", "reject"): "draft",
    ("in_progress", "revise"): "pending_approval",
    ("in_progress", "check_effective"): "closed",
    ("in_progress", "check_ineffective"): "sent_back",
    ("sent_back", "submit"): "pending_approval",
    ("closed", "reopen"): "sent_back",
}
UPGRADE = {
    ("draft", "submit"): "pending_approval",
    ("pending_approval", "approve"): "development",
    ("pending_approval", "reject"): "draft",
    ("development", "revise"): "pending_approval",
    ("development", "test"): "testing",
    ("testing", "release"): "released",
    ("testing", "send_back"): "development",
    ("released", "promote"): "closed",
}


@pytest.mark.parametrize("kind, table", [("improvement", IMPROVEMENT), ("upgrade", UPGRADE)])
def test_every_cell(kind, table):
    for state, action in itertools.product(State, Action):
        rule = rule_for(kind, state.value, action.value)
        expected = table.get((state.value, action.value))
        assert (rule.to.value if rule else None) == expected, (kind, state, action)


def ctx(roles=(), department=1, code="RD", actor=10, created_by=11, plan_department=1):
    return Context(actor, frozenset(roles), department, code, plan_department, created_by)


def test_who_may_act():
    leader = ctx(["leader"], department=9, code="MGMT")
    assert rule_for("improvement", "pending_approval", "approve").who(leader)
    # a leader who drew the plan up does not approve it
    assert not rule_for("improvement", "pending_approval", "approve").who(ctx(["leader"], actor=11))
    assert not rule_for("improvement", "pending_approval", "approve").who(ctx(["dept_head"]))
    assert rule_for("improvement", "in_progress", "check_effective").who(ctx(["qc"], department=5, code="QC"))
    assert not rule_for("improvement", "in_progress", "check_effective").who(ctx(["dept_head"]))
    assert rule_for("improvement", "draft", "submit").who(ctx(["author"]))
    assert not rule_for("improvement", "draft", "submit").who(ctx(["author"], department=2, code="PROD"))
    assert rule_for("upgrade", "testing", "release").who(ctx(["dept_head"]))
    assert not rule_for("upgrade", "testing", "release").who(ctx(["author"]))
    assert rule_for("upgrade", "released", "promote").who(ctx(["author"], department=3, code="MKT"))
    assert allowed_actions("improvement", "pending_approval", leader) == [Action.approve, Action.reject]


def test_signing_and_requirements_are_in_the_table():
    assert rule_for("improvement", "pending_approval", "approve").signs
    assert rule_for("improvement", "pending_approval", "reject").signs
    assert "comment" in rule_for("improvement", "pending_approval", "reject").needs
    assert {"measures_done", "check_date"} <= set(rule_for("improvement", "in_progress", "check_effective").needs)
    assert "comment" in rule_for("improvement", "in_progress", "check_ineffective").needs
    assert "test_participants" in rule_for("upgrade", "testing", "release").needs
    assert rule_for("improvement", "draft", "bogus") is None
