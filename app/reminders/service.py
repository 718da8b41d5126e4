"""Reminders and escalation: the scheduler's daily job.

Each reminder is a row of ``reminder_sent`` (kind, object, recipient,
stage, period) inserted with ON CONFLICT DO NOTHING in the same
transaction as the notification: only the insert that created the row
notifies. Running the job twice, or in two scheduler processes at once
(PostgreSQL makes the second insert wait for the first transaction, then
skip), sends each reminder once.

Dates are dates in the company's time zone (BABEL_DEFAULT_TIMEZONE).

- Periodic review: due in 30 and 7 days (REMINDER_REVIEW_LEAD_DAYS), the
  owner (the effective version's author, else the document's creator);
  overdue, the owner and the owning department's head.
- Approvals: waiting more than N working days (APPROVAL_REMINDER_WORKING_DAYS,
  Monday to Friday) at one step, the approvers of that step; more than 2N,
  the next level (a department head's step: the leaders; a leader's step:
  the administrators).
- Problem reports (reported, triaged, in progress) and improvement actions
  (open, of a plan still running): due within REMINDER_DUE_LEAD_DAYS (1),
  the responsible person; overdue, the responsible person and the
  department's head.
- Anything overdue by ESCALATE_AFTER_DAYS (M) days or more: the leaders.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.approval.models import Signature
from app.auth.models import User
from app.auth.service import users_with_role
from app.clock import company_date, company_today
from app.documents.models import Document, DocumentVersion, VersionState
from app.extensions import db
from app.improvement.models import Plan, PlanMeasure
from app.improvement.states import OPEN_STATES as PLAN_OPEN_STATES
from app.issues.models import Issue
from app.notify.service import notify
from app.reminders.models import ReminderSent

ISSUE_OPEN_STATES = ("reported", "triaged", "in_progress")


def working_days_between(start: date, end: date) -> int:
    """Working days (Monday to Friday) after ``start`` up to and including ``end``."""
    if end <= start:
        return 0
    whole_weeks, rest = divmod((end - start).days, 7)
    days = whole_weeks * 5
    for offset in range(1, rest + 1):
        if (start + timedelta(days=whole_weeks * 7 + offset)).weekday() < 5:
            days += 1
    return days


# Recording what was sent ---------------------------------------------------


def claim(kind: str, object_id: int, recipient: User, stage: str, period: str) -> bool:
    """Insert the record of this reminder; True when this call created it."""
    values = {
        "kind": kind,
        "object_id": object_id,
        "recipient_id": recipient.id,
        "stage": stage,
        "period": period,
    }
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(ReminderSent).values(**values).on_conflict_do_nothing().returning(ReminderSent.id)
    )
    return db.session.execute(statement).scalar() is not None


@dataclass
class Sent:
    kind: str
    object_id: int
    recipient_id: int
    stage: str


def _send(
    kind: str,
    object_id: int,
    recipients: Iterable[User | None],
    stage: str,
    period: str,
    message: tuple[str, dict],
    link: str,
    sent: list[Sent],
) -> None:
    """One reminder to each recipient not yet told; ``message`` (a msgid
    and its parameters) is translated into each recipient's language."""
    seen: set[int] = set()
    for user in recipients:
        if user is None or not user.active or user.id in seen:
            continue
        seen.add(user.id)
        if not claim(kind, object_id, user, stage, period):
            continue
        locale = user.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
        msgid, params = message
        with force_locale(locale):
            text = gettext(msgid, **params)
        notify([user], f"reminder_{kind}", text, link)
        sent.append(Sent(kind, object_id, user.id, stage))


def tell(users: Iterable[User | None], kind: str, msgid: str, params: dict, link: str) -> None:
    """Notify each user in their own language: ``msgid`` and ``params``
    (lazy strings among them) are rendered under the user's locale."""
    seen: set[int] = set()
    for user in users:
        if user is None or user.id in seen:
            continue
        seen.add(user.id)
        locale = user.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
        with force_locale(locale):
            text = gettext(msgid, **{key: str(value) for key, value in params.items()})
        notify([user], kind, text, link)


def _settings() -> tuple[list[int], int, int, int]:
    config = current_app.config
    return (
        sorted(config["REMINDER_REVIEW_LEAD_DAYS"], reverse=True),
        config["REMINDER_DUE_LEAD_DAYS"],
        config["APPROVAL_REMINDER_WORKING_DAYS"],
        config["ESCALATE_AFTER_DAYS"],
    )


# The four kinds ------------------------------------------------------------


def _review_owner(document: Document) -> User:
    version = document.effective_version
    if version is not None and version.author.active:
        return version.author
    return document.created_by


def remind_reviews(today: date, sent: list[Sent]) -> None:
    leads, _due_lead, _n, m = _settings()
    horizon = today + timedelta(days=leads[0] if leads else 0)
    documents = db.session.scalars(
        select(Document)
        .where(Document.review_due.is_not(None), Document.review_due <= horizon)
        .order_by(Document.id)
    ).all()
    for document in documents:
        if document.effective_version is None or document.review_due is None:
            continue
        due = document.review_due
        left = (due - today).days
        link = f"/documents/{document.id}"
        period = due.isoformat()
        owner = _review_owner(document)
        if left >= 0:
            if not leads:  # no lead times configured: overdue reminders only
                continue
            # The nearest lead time reached: 7 days left sends "due7", not "due30" too.
            lead = min(d for d in leads if left <= d)
            _send(
                "review",
                document.id,
                [owner],
                f"due{lead}",
                period,
                (
                    "Periodic review of %(document)s is due on %(date)s (%(days)s days left).",
                    dict(document=f"{document.number} {document.title}", date=due.isoformat(), days=left),
                ),
                link,
                sent,
            )
            continue

        overdue = (
            "Periodic review of %(document)s is overdue since %(date)s (%(days)s days).",
            dict(document=f"{document.number} {document.title}", date=due.isoformat(), days=-left),
        )

        heads = users_with_role("dept_head", document.department_id)
        _send("review", document.id, [owner, *heads], "overdue", period, overdue, link, sent)
        if -left >= m:
            _send("review", document.id, users_with_role("leader"), "leader", period, overdue, link, sent)


def _step_started(version: DocumentVersion) -> datetime | None:
    """When the version reached the step it waits at."""
    if version.state == VersionState.pending_approval:
        reviewed = db.session.scalar(
            select(Signature.signed_at)
            .where(Signature.version_id == version.id, Signature.meaning == "reviewed")
            .order_by(Signature.id.desc())
            .limit(1)
        )
        if reviewed is not None:
            return reviewed
    return version.submitted_at


def remind_approvals(today: date, sent: list[Sent]) -> None:
    _leads, _due_lead, n, _m = _settings()
    versions = db.session.scalars(
        select(DocumentVersion)
        .where(DocumentVersion.state.in_((VersionState.in_review, VersionState.pending_approval)))
        .order_by(DocumentVersion.id)
    ).all()
    for version in versions:
        started = _step_started(version)
        if started is None:
            continue
        start_day = company_date(started)
        waited = working_days_between(start_day, today)
        if waited <= n:
            continue
        document = version.document
        if version.state == VersionState.in_review:
            approvers = users_with_role("dept_head", document.department_id)
            next_level = users_with_role("leader")
        else:
            approvers = users_with_role("leader")
            next_level = users_with_role("admin")
        approvers = [u for u in approvers if u.id != version.author_id]
        # A deputy standing in for an approver is reminded with them.
        from app.reminders.delegation import deputies_of

        approvers += deputies_of(approvers, today)
        period = f"{version.state}:{start_day.isoformat()}"
        link = f"/documents/{document.id}"
        label = f"{version.label} {document.title}"

        waiting = (
            "%(version)s has waited %(days)s working days for your decision.",
            dict(version=label, days=waited),
        )

        _send("approval", version.id, approvers, "waiting", period, waiting, link, sent)
        if waited > 2 * n:
            escalated = (
                "%(version)s has waited %(days)s working days for a decision; please follow up.",
                dict(version=label, days=waited),
            )

            others = [u for u in next_level if u.id != version.author_id]
            _send("approval", version.id, others, "next_level", period, escalated, link, sent)


def remind_issues(today: date, sent: list[Sent]) -> None:
    _leads, due_lead, _n, m = _settings()
    issues = db.session.scalars(
        select(Issue).where(Issue.state.in_(ISSUE_OPEN_STATES), Issue.due_at.is_not(None)).order_by(Issue.id)
    ).all()
    for issue in issues:
        assert issue.due_at is not None
        due = company_date(issue.due_at)
        left = (due - today).days
        if left > due_lead:
            continue
        heads = users_with_role("dept_head", issue.department_id) if issue.department_id else []
        responsible = [issue.assignee] if issue.assignee is not None else heads
        link = f"/issues/{issue.id}"
        period = due.isoformat()
        label = f"#{issue.id} {issue.title}"
        if left >= 0:
            _send(
                "issue",
                issue.id,
                responsible,
                f"due{due_lead}",
                period,
                ("Problem report %(issue)s is due on %(date)s.", dict(issue=label, date=due.isoformat())),
                link,
                sent,
            )
            continue

        overdue = (
            "Problem report %(issue)s is overdue since %(date)s (%(days)s days).",
            dict(issue=label, date=due.isoformat(), days=-left),
        )

        _send("issue", issue.id, [*responsible, *heads], "overdue", period, overdue, link, sent)
        if -left >= m:
            _send("issue", issue.id, users_with_role("leader"), "leader", period, overdue, link, sent)


def remind_measures(today: date, sent: list[Sent]) -> None:
    _leads, due_lead, _n, m = _settings()
    measures = db.session.scalars(
        select(PlanMeasure)
        .join(Plan)
        .where(
            PlanMeasure.status == "open",
            Plan.state.in_(PLAN_OPEN_STATES),
            PlanMeasure.due_date <= today + timedelta(days=due_lead),
        )
        .order_by(PlanMeasure.id)
    ).all()
    for measure in measures:
        due = measure.due_date
        left = (due - today).days
        plan = measure.plan
        link = f"/plans/{plan.id}"
        period = due.isoformat()
        action = measure.description[:80]
        plan_label = f"#{plan.id} {plan.title}"
        if left >= 0:
            _send(
                "measure",
                measure.id,
                [measure.owner],
                f"due{due_lead}",
                period,
                (
                    "Action “%(action)s” of plan %(plan)s is due on %(date)s.",
                    dict(action=action, plan=plan_label, date=due.isoformat()),
                ),
                link,
                sent,
            )
            continue

        overdue = (
            "Action “%(action)s” of plan %(plan)s is overdue since %(date)s (%(days)s days).",
            dict(action=action, plan=plan_label, date=due.isoformat(), days=-left),
        )

        heads = users_with_role("dept_head", plan.department_id)
        _send("measure", measure.id, [measure.owner, *heads], "overdue", period, overdue, link, sent)
        if -left >= m:
            _send("measure", measure.id, users_with_role("leader"), "leader", period, overdue, link, sent)


def send_reminders(today: date | None = None) -> list[Sent]:
    """Every reminder due today that has not been sent; flushes, never commits."""
    today = today or company_today()
    sent: list[Sent] = []
    remind_reviews(today, sent)
    remind_approvals(today, sent)
    remind_issues(today, sent)
    remind_measures(today, sent)
    db.session.flush()
    return sent
