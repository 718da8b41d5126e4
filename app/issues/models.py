"""Problem reports, their progress log and their links to document versions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Department, User
from app.db import UTCDateTime, utcnow
from app.documents.models import DocumentVersion
from app.extensions import Model


class IssueCategory(enum.StrEnum):
    technical = "technical"
    quality = "quality"
    functional = "functional"
    service = "service"


class IssueSource(enum.StrEnum):
    customer = "customer"
    production = "production"
    qc = "qc"
    market = "market"
    internal = "internal"


class Severity(enum.IntEnum):
    major = 1
    significant = 2
    general = 3


class Channel(enum.StrEnum):
    """How a customer's report reached customer service."""

    phone = "phone"
    email = "email"
    online = "online"
    visit = "visit"


class LinkRelation(enum.StrEnum):
    spec = "spec"
    manual = "manual"
    analysis = "analysis"
    other = "other"


class Issue(Model):
    """A product problem report."""

    __tablename__ = "issue"
    __table_args__ = (CheckConstraint("severity IS NULL OR severity IN (1, 2, 3)", name="severity_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    phenomenon: Mapped[str] = mapped_column(Text, default="")
    found_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    found_by: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str] = mapped_column(String(300), default="")
    scope: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default="internal", index=True)
    customer_ref: Mapped[str] = mapped_column(String(100), default="")
    product: Mapped[str] = mapped_column(String(100), default="", index=True)
    category: Mapped[str | None] = mapped_column(String(20), index=True)
    severity: Mapped[int | None] = mapped_column(index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="reported", index=True)
    analysis: Mapped[str] = mapped_column(Text, default="")
    resolution: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_count: Mapped[int] = mapped_column(default=0)
    # The customer's side (source = customer). ``contact`` is kept on the
    # report only: never indexed, exported only to those who may see it.
    channel: Mapped[str | None] = mapped_column(String(20))
    contact: Mapped[str] = mapped_column(Text, default="", server_default="")

    department: Mapped[Department | None] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    reported_by: Mapped[User] = relationship(foreign_keys=[reported_by_id])
    comments: Mapped[list[IssueComment]] = relationship(back_populates="issue", order_by="IssueComment.id")
    links: Mapped[list[IssueLink]] = relationship(back_populates="issue", order_by="IssueLink.id")
    team: Mapped[list[User]] = relationship(secondary="issue_team", order_by="User.id")
    replies: Mapped[list[IssueReply]] = relationship(back_populates="issue", order_by="IssueReply.id")
    follow_ups: Mapped[list[IssueFollowUp]] = relationship(
        back_populates="issue", order_by="IssueFollowUp.id"
    )


class IssueComment(Model):
    """One entry of the progress log: Markdown source and sanitised HTML."""

    __tablename__ = "issue_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(20), default="progress")
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    issue: Mapped[Issue] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()


class IssueLink(Model):
    """A report points at the exact document version it concerns."""

    __tablename__ = "issue_link"
    __table_args__ = (UniqueConstraint("issue_id", "version_id", "relation", name="uq_issue_link_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id"), index=True)
    relation: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    issue: Mapped[Issue] = relationship(back_populates="links")
    version: Mapped[DocumentVersion] = relationship()


class IssueTeamMember(Model):
    """A member of a report's cross-department team: may comment and record analysis."""

    __tablename__ = "issue_team"

    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True, index=True)


class IssueReply(Model):
    """What customer service told the customer, and whether they accepted."""

    __tablename__ = "issue_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted: Mapped[bool | None] = mapped_column(Boolean)
    remedy: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    issue: Mapped[Issue] = relationship(back_populates="replies")
    author: Mapped[User] = relationship()


class IssueFollowUp(Model):
    """The follow-up call: a satisfaction score from 1 to 5."""

    __tablename__ = "issue_follow_up"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    issue: Mapped[Issue] = relationship(back_populates="follow_ups")
    author: Mapped[User] = relationship()
