"""Improvement-measure plans (corrective and preventive actions) and
product upgrade plans: one engine, two state tables (``states.py``)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Department, User
from app.db import UTCDateTime, utcnow
from app.documents.models import DocumentVersion
from app.extensions import Model
from app.issues.models import Issue


class PlanKind(enum.StrEnum):
    improvement = "improvement"
    upgrade = "upgrade"


class MeasureType(enum.StrEnum):
    containment = "containment"
    corrective = "corrective"
    preventive = "preventive"
    improvement = "improvement"


class UpgradeTaskType(enum.StrEnum):
    development = "development"
    test = "test"
    release = "release"
    promotion = "promotion"


class MeasureStatus(enum.StrEnum):
    open = "open"
    done = "done"


class PlanDocumentRelation(enum.StrEnum):
    analysis = "analysis"  # what the root cause rests on
    changed = "changed"  # a document revised under the plan


class Plan(Model):
    __tablename__ = "plan"
    __table_args__ = (CheckConstraint("kind IN ('improvement', 'upgrade')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(300))
    problem: Mapped[str] = mapped_column(Text, default="")
    root_cause: Mapped[str] = mapped_column(Text, default="")
    goal: Mapped[str] = mapped_column(Text, default="")
    # Upgrade plans: features, technical approach, test plan, release date.
    features: Mapped[str] = mapped_column(Text, default="")
    approach: Mapped[str] = mapped_column(Text, default="")
    test_plan: Mapped[str] = mapped_column(Text, default="")
    release_date: Mapped[date | None] = mapped_column(Date)
    check_date: Mapped[date | None] = mapped_column(Date)
    product: Mapped[str] = mapped_column(String(100), default="", index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    # Codes of other departments whose people may own actions.
    partner_departments: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    state: Mapped[str] = mapped_column(String(30), default="draft", index=True)
    # Counts approvals: a change to an approved goal or action set needs the next one.
    revision: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    first_check_effective: Mapped[bool | None] = mapped_column(Boolean)
    check_count: Mapped[int] = mapped_column(default=0)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship()
    issues: Mapped[list[Issue]] = relationship(secondary="plan_issue", order_by="Issue.id")
    measures: Mapped[list[PlanMeasure]] = relationship(back_populates="plan", order_by="PlanMeasure.id")
    documents: Mapped[list[PlanDocument]] = relationship(back_populates="plan", order_by="PlanDocument.id")
    signatures: Mapped[list[PlanSignature]] = relationship(order_by="PlanSignature.id")


class PlanIssue(Model):
    __tablename__ = "plan_issue"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id"), primary_key=True, index=True)


class PlanMeasure(Model):
    """One action of a plan: type, owner, deadline, status, progress."""

    __tablename__ = "plan_measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    type: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    progress: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    plan: Mapped[Plan] = relationship(back_populates="measures")
    owner: Mapped[User] = relationship()


class PlanDocument(Model):
    """A plan rests on (analysis) or changed (changed) an exact document version.
    Kept on this side: the documents package knows nothing of plans."""

    __tablename__ = "plan_document"
    __table_args__ = (UniqueConstraint("plan_id", "version_id", "relation", name="uq_plan_document_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id"), index=True)
    relation: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="documents")
    version: Mapped[DocumentVersion] = relationship()


class PlanSignature(Model):
    """A leader's approval or rejection of a plan revision, signed with
    the password in the same request (method "password"), or "system"."""

    __tablename__ = "plan_signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    role: Mapped[str] = mapped_column(String(16))
    meaning: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    revision: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    signer: Mapped[User] = relationship()
