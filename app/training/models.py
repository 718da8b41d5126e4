"""Who must read a document, and each person's task per effective version."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import UTCDateTime, utcnow
from app.documents.models import DocumentVersion
from app.extensions import Model


class ReadingRequirement(Model):
    """Chosen on the document by its controllers: the departments and roles
    whose members must read each new effective version, within ``due_days``.
    ``training_required``: the confirmation is a signature (password)."""

    __tablename__ = "reading_requirement"

    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), primary_key=True)
    departments: Mapped[list] = mapped_column(JSON, default=list)  # department codes; empty: every department
    roles: Mapped[list] = mapped_column(JSON, default=list)  # roles; empty: every role
    training_required: Mapped[bool] = mapped_column(default=False)
    due_days: Mapped[int] = mapped_column(default=14)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Acknowledgement(Model):
    """One person's reading task for one effective version, and their
    "read and understood" when given."""

    __tablename__ = "acknowledgement"
    __table_args__ = (UniqueConstraint("version_id", "user_id", name="uq_acknowledgement_version_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_on: Mapped[date]
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    method: Mapped[str | None] = mapped_column(String(16))  # password | session | token
    sha256: Mapped[str | None] = mapped_column(String(64))  # the bytes confirmed
    reminded_on: Mapped[date | None]

    version: Mapped[DocumentVersion] = relationship()
    user: Mapped[User] = relationship()

    @property
    def done(self) -> bool:
        return self.acknowledged_at is not None
