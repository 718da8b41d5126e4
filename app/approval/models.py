"""Electronic signatures recorded on approval decisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import UTCDateTime, utcnow
from app.extensions import Model


class Signature(Model):
    """Who signed a decision on a version, when, in what role, meaning what.

    ``meaning`` is "reviewed", "approved", "rejected" or "periodic_review"
    (reviewed, no change); ``method`` says how the signer proved who they
    were: "password" re-entered in the same request (browser or API), or
    "system" for data loaded by the service itself (demo). Older rows may
    say "token" or "session": signatures made before re-authentication was
    required everywhere.
    """

    __tablename__ = "signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id"), index=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    meaning: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    # The bytes signed: the version's sha256 at the moment of signing.
    sha256: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A deputy's signature (app.reminders.delegation): the signer signed
    # with their own password on behalf of this person.
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    signer: Mapped[User] = relationship(foreign_keys=[signer_id])
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id])
