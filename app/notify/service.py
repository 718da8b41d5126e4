"""In-app notifications, and e-mail sent after the transaction commits.

Mail is queued on the session and sent from an after-commit hook, so a
rolled-back action sends nothing, and a failing mail server never breaks
an action: the failure is logged.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app, has_app_context
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from app.auth.models import User
from app.db import utcnow
from app.extensions import db
from app.notify.models import Notification, NotificationPreference

_MAIL_KEY = "doctrack.outgoing_mail"

# Kinds of notification, grouped for the user's choice of delivery.
KIND_GROUPS = ("approvals", "reminders", "issues", "plans", "watched", "other")
MODES = ("immediate", "daily", "in_app")


def kind_group(kind: str) -> str:
    if kind.startswith("reminder") or kind.startswith("read_and_acknowledge"):
        return "reminders"
    if kind.startswith("watched"):
        return "watched"
    if kind.startswith("issue"):
        return "issues"
    if kind.startswith("plan"):
        return "plans"
    if kind in ("review_requested", "approval_requested", "approved", "rejected"):
        return "approvals"
    return "other"


def preferences(user: User) -> dict[str, str]:
    """The delivery mode of each group for ``user`` (immediate unless chosen)."""
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.kind_group, NotificationPreference.mode).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {group: chosen.get(group, "immediate") for group in KIND_GROUPS}


def set_preferences(user: User, modes: dict[str, str]) -> dict[str, str]:
    from app.errors import N_, ValidationFailed

    for group, mode in modes.items():
        if group not in KIND_GROUPS or mode not in MODES:
            raise ValidationFailed(N_("unknown notification kind or delivery"), field=group)
    rows = {
        row.kind_group: row
        for row in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    for group, mode in modes.items():
        row = rows.get(group) or NotificationPreference(user_id=user.id, kind_group=group)
        row.mode = mode
        db.session.add(row)
    db.session.flush()
    return preferences(user)


def _modes(user_ids: list[int], kind: str) -> dict[int, str]:
    """Each recipient's delivery mode for ``kind``: one query for all of them."""
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.user_id, NotificationPreference.mode).where(
                NotificationPreference.user_id.in_(user_ids),
                NotificationPreference.kind_group == kind_group(kind),
            )
        ).all()
    )
    return {user_id: chosen.get(user_id, "immediate") for user_id in user_ids}


def notify(users: list[User], kind: str, msgid: str, link: str = "", **params) -> None:
    """``msgid`` is a catalogue message (marked ``N_``) with ``%(name)s``
    placeholders filled from ``params``; it is shown in each reader's
    language, and mailed in English."""
    from app.i18n import english

    recipients = list({user.id: user for user in users if user is not None}.values())
    if not recipients:
        return
    message = english(msgid, params)
    stored = {k: v if isinstance(v, (int, float, bool)) or v is None else str(v) for k, v in params.items()}
    modes = _modes([user.id for user in recipients], kind)
    for user in recipients:
        db.session.add(
            Notification(user_id=user.id, kind=kind, message=message, link=link, msgid=msgid, params=stored)
        )
        if modes[user.id] == "immediate":
            db.session.info.setdefault(_MAIL_KEY, []).append((user.email, message, link))


def queue_mail(address: str, subject: str, body: str) -> None:
    """One composed e-mail (a digest), sent after the commit like the others."""
    db.session.info.setdefault(_MAIL_KEY, []).append((address, subject, body, None))


def unread_count(user: User) -> int:
    from sqlalchemy import func

    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def for_user(user: User, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.read_at.is_not(None), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(user: User, notification_id: int) -> bool:
    result = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.user_id == user.id)
        .values(read_at=utcnow())
    )
    return getattr(result, "rowcount", 0) == 1  # a CursorResult: UPDATE reports its row count


def send_mail(recipients: list[tuple]) -> None:
    config = current_app.config
    if not config.get("SMTP_HOST") or not recipients:
        return
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
            for item in recipients:
                mail = EmailMessage()
                mail["From"] = config["SMTP_FROM"]
                mail["To"] = item[0]
                if len(item) == 4:  # composed by queue_mail: (address, subject, body, None)
                    mail["Subject"] = "[Doctrack] " + item[1][:120]
                    mail.set_content(item[2])
                else:
                    address, message, link = item
                    mail["Subject"] = "[Doctrack] " + message[:120]
                    mail.set_content(f"{message}\n\n{config['BASE_URL'].rstrip('/')}{link}\n")
                smtp.send_message(mail)
    except (OSError, smtplib.SMTPException) as exc:
        current_app.logger.warning("notification mail not sent: %s", exc)


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    queued = session.info.pop(_MAIL_KEY, None)
    if queued and has_app_context():
        send_mail(queued)


@event.listens_for(Session, "after_transaction_end")
def _drop_unsent(session: Session, transaction) -> None:
    # Still queued when the outermost transaction ends: it did not commit.
    if transaction.parent is None:
        session.info.pop(_MAIL_KEY, None)


def mark_all_read(user: User) -> int:
    """Every unread notification of ``user`` read now; how many there were."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return getattr(result, "rowcount", 0) or 0
