"""What was sent, who watches what, who stands in for whom, units sold."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Department, User
from app.db import UTCDateTime, utcnow
from app.extensions import Model


class ReminderSent(Model):
    """One reminder that went out. Inserted in the same transaction as the
    notification, with ON CONFLICT DO NOTHING: a second run, or a second
    scheduler at the same moment, finds the row and sends nothing."""

    __tablename__ = "reminder_sent"
    __table_args__ = (
        UniqueConstraint("kind", "object_id", "recipient_id", "stage", "period", name="uq_reminder_sent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # review | approval | issue | measure
    object_id: Mapped[int]
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(
        String(20)
    )  # due30 | due7 | due1 | overdue | leader | waiting | next_level
    # What the reminder is about in time: the due date, or the day a step started.
    period: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Watch(Model):
    """A user follows a document or a problem report."""

    __tablename__ = "watch"
    __table_args__ = (
        UniqueConstraint("user_id", "target", "target_id", name="uq_watch"),
        CheckConstraint("target IN ('document', 'issue')", name="watch_target_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delegation(Model):
    """While ``starts_on`` <= today <= ``ends_on`` (company dates) the deputy
    sees and may sign the delegator's approvals."""

    __tablename__ = "delegation"
    __table_args__ = (CheckConstraint("starts_on <= ends_on", name="delegation_dates_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delegator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    delegator: Mapped[User] = relationship(foreign_keys=[delegator_id])
    deputy: Mapped[User] = relationship(foreign_keys=[deputy_id])


class UnitsSold(Model):
    """Units of a product sold in a calendar month (entered by import):
    the denominator of the failure rate."""

    __tablename__ = "units_sold"
    __table_args__ = (
        UniqueConstraint("product", "month", name="uq_units_sold_product_month"),
        CheckConstraint("units >= 0", name="units_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product: Mapped[str] = mapped_column(String(100), index=True)
    month: Mapped[date] = mapped_column(Date, index=True)  # the month's first day
    units: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ReviewMeeting(Model):
    """The quarterly product-tracking review meeting (每季度召開產品跟蹤分析會議):
    date, attendees, each department's update, decisions."""

    __tablename__ = "review_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7), index=True)  # 2026-Q4
    held_on: Mapped[date] = mapped_column(Date)
    attendees: Mapped[list] = mapped_column(JSON, default=list)  # user ids
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User] = relationship()
    updates: Mapped[list[MeetingUpdate]] = relationship(
        order_by="MeetingUpdate.id", cascade="all, delete-orphan"
    )
    decisions: Mapped[list[MeetingDecision]] = relationship(
        order_by="MeetingDecision.id", cascade="all, delete-orphan"
    )


class MeetingUpdate(Model):
    """What one department reported at the meeting."""

    __tablename__ = "meeting_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("review_meeting.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    text: Mapped[str] = mapped_column(Text)

    department: Mapped[Department] = relationship(lazy="joined")


class MeetingDecision(Model):
    """A decision; it may have become an improvement plan (plan_id)."""

    __tablename__ = "meeting_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("review_meeting.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id"))

    department: Mapped[Department | None] = relationship(lazy="joined")
