"""The daily digest: one e-mail, in the user's language, to each user who
chose "daily" for some kind of notification: what waits for them
(approvals, problem reports, actions) and the notifications of those kinds
since the last digest (changes in what they watch among them). Sent once a
day (the claim in reminder_sent), after the commit."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.auth.models import User
from app.clock import company_today
from app.db import utcnow
from app.extensions import db
from app.improvement.models import Plan, PlanMeasure
from app.improvement.states import OPEN_STATES as PLAN_OPEN_STATES
from app.issues.models import Issue
from app.notify.models import Notification, NotificationPreference
from app.notify.service import kind_group, preferences, queue_mail
from app.reminders.service import ISSUE_OPEN_STATES, claim


def _waiting(user: User) -> list[tuple[str, str]]:
    from app.approval.service import inbox

    items = [
        (
            gettext("Decision on %(version)s", version=f"{w.version.label} {w.version.document.title}"),
            f"/documents/{w.version.document_id}",
        )
        for w in inbox(user)
    ]
    issues = db.session.scalars(
        select(Issue)
        .where(Issue.assignee_id == user.id, Issue.state.in_(ISSUE_OPEN_STATES))
        .order_by(Issue.id)
    ).all()
    items += [
        (gettext("Problem report %(issue)s", issue=f"#{i.id} {i.title}"), f"/issues/{i.id}") for i in issues
    ]
    measures = db.session.scalars(
        select(PlanMeasure)
        .join(Plan)
        .where(
            PlanMeasure.owner_id == user.id, PlanMeasure.status == "open", Plan.state.in_(PLAN_OPEN_STATES)
        )
        .order_by(PlanMeasure.due_date)
    ).all()
    items += [
        (
            gettext(
                "Action “%(action)s” due %(date)s", action=m.description[:80], date=m.due_date.isoformat()
            ),
            f"/plans/{m.plan_id}",
        )
        for m in measures
    ]
    return items


def digest_for(user: User, today: date) -> tuple[str, str, list[Notification]] | None:
    """(subject, body, notifications listed), or None when nothing is to say."""
    daily = {group for group, mode in preferences(user).items() if mode == "daily"}
    pending = [
        n
        for n in db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.digested_at.is_(None))
            .order_by(Notification.id)
        )
        if kind_group(n.kind) in daily
    ]
    base = current_app.config["BASE_URL"].rstrip("/")
    with force_locale(user.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "en")):
        waiting = _waiting(user)
        if not pending and not waiting:
            return None
        subject = gettext("Your Doctrack digest for %(date)s", date=today.isoformat())
        lines = [gettext("Hello %(name)s,", name=user.name), ""]
        lines.append(gettext("Waiting for you (%(n)s):", n=len(waiting)))
        lines += [f"- {text}  {base}{link}" for text, link in waiting] or ["- " + gettext("nothing")]
        lines += ["", gettext("Since the last digest (%(n)s):", n=len(pending))]
        lines += [f"- {n.message}  {base}{n.link}" for n in pending] or ["- " + gettext("nothing")]
        lines += ["", gettext("Choose how you are told: %(url)s", url=f"{base}/notifications/preferences")]
    return subject, "\n".join(lines) + "\n", pending


def send_digests(today: date | None = None) -> int:
    """One digest per user who chose "daily" for something; flushes."""
    today = today or company_today()
    user_ids = db.session.scalars(
        select(NotificationPreference.user_id).where(NotificationPreference.mode == "daily").distinct()
    ).all()
    sent = 0
    for user in db.session.scalars(select(User).where(User.id.in_(user_ids), User.active.is_(True))):
        composed = digest_for(user, today)
        if composed is None or not claim("digest", 0, user, "daily", today.isoformat()):
            continue
        subject, body, listed = composed
        queue_mail(user.email, subject, body)
        now = utcnow()
        for notification in listed:
            notification.digested_at = now
        sent += 1
    db.session.flush()
    return sent
