"""The problem-report table as pure rules."""

from __future__ import annotations

from app.issues.workflow import Context, allowed_actions, can_triage, rule_for


def ctx(roles, dept=1, code="RD", responsible=1):
    return Context(frozenset(roles), dept, code, responsible)


def test_customer_service_or_any_head_triages():
    assert can_triage(ctx({"support"}, code="CS"))
    assert can_triage(ctx({"author"}, code="CS"))
    assert can_triage(ctx({"dept_head"}, dept=7, code="MKT"))
    assert not can_triage(ctx({"author"}, code="RD"))
    assert not can_triage(ctx({"qc"}, code="QC"))


def test_only_the_responsible_department_works_on_it():
    assert allowed_actions("triaged", ctx({"author"})) == ["start"]
    assert "start" not in allowed_actions("triaged", ctx({"author"}, dept=2))


def test_flow_order():
    path = [("reported", "triage", "triaged"), ("triaged", "start", "in_progress"),
            ("in_progress", "resolve", "resolved"), ("resolved", "verify", "verified"),
            ("verified", "close", "closed"), ("closed", "reopen", "in_progress"),
            ("resolved", "send_back", "in_progress")]
    for state, action, to in path:
        assert rule_for(state, action).to == to
    assert rule_for("reported", "close") is None
    assert rule_for("closed", "verify") is None
