"""Who is told when a problem report moves (connected in ``create_app``):
the triagers on a new report, the responsible department's head and the
responsible person on assignment, the team when it is formed, QC on
resolve, the reporter on close and reopen. In the app and by e-mail
(app.notify sends mail after the commit)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from app.auth.models import Department, User
from app.auth.service import users_with_role
from app.errors import N_
from app.extensions import db
from app.issues.models import Issue
from app.issues.workflow import CUSTOMER_SERVICE_DEPARTMENT, State
from app.notify.service import notify


def triagers() -> list[User]:
    """Customer service: the support role, or the CS department's head."""
    cs = db.session.scalar(select(Department).where(Department.code == CUSTOMER_SERVICE_DEPARTMENT))
    heads = users_with_role("dept_head", cs.id) if cs is not None else []
    return users_with_role("support") + heads


def _label(issue: Issue) -> str:
    return f"#{issue.id} {issue.title}"


def _others(users: Sequence[User | None], actor: User) -> list[User]:
    return [u for u in users if u is not None and u.id != actor.id]


def on_state_changed(
    issue: Issue, *, from_state: str | None, to_state: str, actor: User, comment: str, **_
) -> None:
    link = f"/issues/{issue.id}"
    if to_state == State.reported:
        notify(
            _others(triagers(), actor),
            "issue_reported",
            N_("%(label)s: new report to triage"),
            link,
            label=_label(issue),
        )
    elif to_state == State.triaged:
        people = users_with_role("dept_head", issue.department_id) + [issue.assignee]
        notify(
            _others(people, actor),
            "issue_assigned",
            N_("%(label)s: assigned to %(value)s (severity %(issue_severity)s)"),
            link,
            label=_label(issue),
            value=issue.department.code if issue.department else "",
            issue_severity=issue.severity,
        )
    elif to_state == State.resolved:
        notify(
            _others(users_with_role("qc"), actor),
            "issue_resolved",
            N_("%(label)s: resolved, waiting for QC"),
            link,
            label=_label(issue),
        )
    elif to_state == State.in_progress and from_state in (State.resolved, State.closed):
        people = [issue.assignee, *users_with_role("dept_head", issue.department_id)]
        if from_state == State.closed:  # reopened: the reporter hears of it too
            people.append(issue.reported_by)
        notify(
            _others(people, actor),
            "issue_back",
            N_("%(label)s: back in progress: %(comment)s"),
            link,
            label=_label(issue),
            comment=comment,
        )
    elif to_state == State.closed:
        notify(
            _others([issue.reported_by], actor),
            "issue_closed",
            N_("%(label)s: closed"),
            link,
            label=_label(issue),
        )


def on_assigned(issue: Issue, *, actor: User, assignee: User | None, added_team: list[User], **_) -> None:
    link = f"/issues/{issue.id}"
    if assignee is not None:
        heads = users_with_role("dept_head", issue.department_id)
        notify(
            _others([assignee, *heads], actor),
            "issue_assigned",
            N_("%(label)s: %(assignee_name)s is responsible"),
            link,
            label=_label(issue),
            assignee_name=assignee.name,
        )
    if added_team:
        notify(
            _others(added_team, actor),
            "issue_team",
            N_("%(label)s: you are on the team"),
            link,
            label=_label(issue),
        )
