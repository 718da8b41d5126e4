"""In-app notifications."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, utcnow
from app.extensions import Model

# A date param (stored as ISO) is shown in the reader's date format.
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Notification(Model):
    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)  # in English, as mailed
    # The catalogue msgid and its params: the page and the API show the
    # message in the reader's language (rows from before have none).
    msgid: Mapped[str | None] = mapped_column(Text)
    params: Mapped[dict | None] = mapped_column(JSON)
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def text(self) -> str:
        """The message in the language of the current request."""
        if not self.msgid:
            return self.message
        from flask import has_request_context

        if not has_request_context():
            return self.message
        from app.i18n import format_when, translated

        params = {
            k: format_when(v) if isinstance(v, str) and _ISO_DATE.match(v) else v
            for k, v in (self.params or {}).items()
        }
        return translated(self.msgid, params)

    # Listed in a daily digest e-mail (the user chose "daily" for its kind).
    digested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationPreference(Model):
    """How a user hears of one group of notifications (app.notify.service
    KIND_GROUPS): "immediate" (in the app and an e-mail each), "daily" (in
    the app and in the daily digest e-mail) or "in_app" (no e-mail).
    No row: immediate."""

    __tablename__ = "notification_preference"
    __table_args__ = (
        UniqueConstraint("user_id", "kind_group", name="uq_notification_preference"),
        CheckConstraint("mode IN ('immediate', 'daily', 'in_app')", name="mode_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind_group: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(10), default="immediate")
