"""Typed links between problem reports (duplicate of, caused by, related),
shown from both sides. Marking a report a duplicate closes it (the
workflow's close_duplicate) with a pointer to the original."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import record_event
from app.auth.models import User
from app.db import UTCDateTime, utcnow
from app.errors import N_, InvalidTransition, ValidationFailed
from app.extensions import Model, db
from app.issues.models import Issue
from app.labels import Label


class IssueRelationType(enum.StrEnum):
    duplicate_of = "duplicate_of"
    caused_by = "caused_by"
    related = "related"


INVERSE = {"duplicate_of": "has_duplicate", "caused_by": "causes", "related": "related"}


class IssueRelation(Model):
    __tablename__ = "issue_relation"
    __table_args__ = (
        UniqueConstraint("source_id", "target_id", "type", name="uq_issue_relation_source_target_type"),
        CheckConstraint("type IN ('duplicate_of', 'caused_by', 'related')", name="type_known"),
        CheckConstraint("source_id <> target_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("issue.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("issue.id"), index=True)
    type: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[Issue] = relationship(foreign_keys=[source_id])
    target: Mapped[Issue] = relationship(foreign_keys=[target_id])


@dataclass(frozen=True)
class RelatedIssue:
    id: int
    type: str
    issue: Issue
    outgoing: bool


def add_relation(actor: User, issue: Issue, target_id: int, relation_type: str) -> IssueRelation:
    from app.issues import service

    if relation_type not in IssueRelationType.__members__:
        raise ValidationFailed(
            N_("type is one of %(value)s"), field="type", value=", ".join(IssueRelationType)
        )
    target = db.session.get(Issue, target_id)
    if target is None:
        raise ValidationFailed(N_("no report #%(target_id)s"), field="target_id", target_id=target_id)
    if target.id == issue.id:
        raise ValidationFailed(N_("a report cannot be related to itself"), field="target_id")
    if db.session.scalar(
        select(IssueRelation.id).where(
            IssueRelation.source_id == issue.id,
            IssueRelation.target_id == target.id,
            IssueRelation.type == relation_type,
        )
    ):
        raise InvalidTransition(
            N_("#%(issue_id)s is already %(relation_type)s #%(target_id)s"),
            issue_id=issue.id,
            relation_type=Label(relation_type, "relation"),
            target_id=target.id,
        )
    if relation_type == IssueRelationType.duplicate_of:
        if target.state == "closed" and _duplicate_target(target) == issue.id:
            raise ValidationFailed(
                N_("the original cannot be a duplicate of its duplicate"), field="target_id"
            )
        # Checks the actor and the state (403, 409) and closes the report.
        service.act(issue, "close_duplicate", actor=actor, fields={"duplicate_of": target.id})
    relation = IssueRelation(
        source_id=issue.id, target_id=target.id, type=relation_type, created_by_id=actor.id
    )
    db.session.add(relation)
    db.session.flush()
    record_event(
        actor, "relate", relation, issue_id=issue.id, details={"type": relation_type, "target": target.id}
    )
    db.session.flush()
    return relation


def _duplicate_target(issue: Issue) -> int | None:
    return db.session.scalar(
        select(IssueRelation.target_id).where(
            IssueRelation.source_id == issue.id, IssueRelation.type == IssueRelationType.duplicate_of
        )
    )


def related(issue: Issue) -> list[RelatedIssue]:
    rows = db.session.scalars(
        select(IssueRelation)
        .where((IssueRelation.source_id == issue.id) | (IssueRelation.target_id == issue.id))
        .order_by(IssueRelation.id)
    )
    return [
        RelatedIssue(
            r.id,
            r.type if r.source_id == issue.id else INVERSE[r.type],
            r.target if r.source_id == issue.id else r.source,
            r.source_id == issue.id,
        )
        for r in rows
    ]
