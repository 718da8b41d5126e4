"""The approval table as pure rules."""

from __future__ import annotations

from app.approval.states import Context, allowed_actions, route_for, rule_for


def ctx(roles, *, actor=1, author=2, actor_dept=10, doc_dept=10, important=False):
    return Context(actor, frozenset(roles), actor_dept, author, doc_dept, route_for(important))


def test_review_goes_to_leader_only_for_important_documents():
    rule = rule_for("in_review", "approve")
    assert rule.target(ctx({"dept_head"})) == "effective"
    assert rule.target(ctx({"dept_head"}, important=True)) == "pending_approval"
    assert rule.signature_meaning(ctx({"dept_head"}, important=True)) == "reviewed"
    assert rule.signature_meaning(ctx({"dept_head"})) == "approved"


def test_nobody_approves_their_own_version():
    own = ctx({"dept_head", "leader"}, actor=2, author=2)
    assert allowed_actions("in_review", own) == ["withdraw"]
    assert allowed_actions("pending_approval", own) == ["withdraw"]


def test_head_of_another_department_cannot_review():
    assert allowed_actions("in_review", ctx({"dept_head"}, actor_dept=99)) == []


def test_terminal_states_allow_nothing():
    for state in ("effective", "obsolete", "rejected"):
        for action in ("submit", "approve", "reject", "withdraw"):
            assert rule_for(state, action) is None
    assert rule_for("draft", "fly") is None


def test_a_planned_date_makes_the_final_approval_approved_pending_effective():
    from dataclasses import replace

    later = replace(ctx({"dept_head", "leader"}), effective_later=True)
    assert rule_for("in_review", "approve").target(later) == "approved"
    assert rule_for("pending_approval", "approve").target(later) == "approved"
    assert rule_for("in_review", "approve").target(replace(later, route=route_for(True))) == "pending_approval"
    # Nobody acts on an approved version: the scheduler makes it effective on its date.
    for action in ("submit", "approve", "reject", "withdraw"):
        assert rule_for("approved", action) is None
