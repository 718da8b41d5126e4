"""The append-only audit trail.

Every mutation calls :func:`record_event` inside the same transaction as
the change it records. The table refuses UPDATE and DELETE at the database
level (a trigger on both SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, JSON, ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import UTCDateTime, utcnow
from app.extensions import Model, db


class AuditEvent(Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    verb: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issue.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship()


# Append-only at the database level: an application bug or a stray script
# cannot rewrite history.
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
]
_PG_TRIGGER = [
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
]
APPEND_ONLY_DDL = {"sqlite": _SQLITE_TRIGGERS, "postgresql": _PG_TRIGGER}

for _dialect, _statements in APPEND_ONLY_DDL.items():
    for _sql in _statements:
        event.listen(
            AuditEvent.__table__, "after_create", DDL(_sql).execute_if(dialect=_dialect)
        )


def record_event(
    actor: User | None,
    verb: str,
    obj,
    *,
    from_state: str | None = None,
    to_state: str | None = None,
    comment: str = "",
    details: dict | None = None,
    document_id: int | None = None,
    issue_id: int | None = None,
) -> AuditEvent:
    """Append one event for ``obj`` (a model instance) to the session.

    The document or issue it belongs to is derived from ``obj`` when not
    given, so a document's history query finds events of its versions too.
    """
    object_type = obj.__tablename__
    if document_id is None:
        document_id = getattr(obj, "document_id", None)
        if object_type == "document":
            document_id = obj.id
    if issue_id is None:
        issue_id = getattr(obj, "issue_id", None)
        if object_type == "issue":
            issue_id = obj.id
    event_row = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        verb=verb,
        object_type=object_type,
        object_id=obj.id,
        document_id=document_id,
        issue_id=issue_id,
        from_state=from_state,
        to_state=to_state,
        comment=comment or "",
        details=details,
    )
    db.session.add(event_row)
    return event_row
