"""The append-only, tamper-evident audit trail.

Every mutation calls :func:`record_event` inside the same transaction as
the change it records. The table refuses UPDATE and DELETE at the database
level (a trigger on both SQLite and PostgreSQL), and each event carries the
sha256 of its content and of the event before it (one chain per database,
its head in ``audit_chain``): somebody who gets past the triggers (a
superuser, a dropped trigger) and edits, removes or inserts an event
breaks the chain, and ``flask audit verify`` names the first broken link.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import (
    DDL,
    JSON,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    bindparam,
    event,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from app.auth.models import User
from app.db import UTCDateTime, utcnow
from app.extensions import Model, db


class AuditEvent(Model):
    __tablename__ = "audit_event"
    # An index, not a constraint: SQLite adds it without rebuilding the
    # table (which would drop the append-only triggers).
    __table_args__ = (Index("uq_audit_event_chain_seq", "chain_seq", unique=True),)

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
    # Position in the chain (1, 2, ...), the previous event's hash ("" for
    # the first) and this event's: sha256 over its content and prev_hash.
    chain_seq: Mapped[int | None]
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()


class AuditChain(Model):
    """The head of the chain: one row. Each recording transaction updates it
    as it commits (``_chain_at_commit``), which serialises the writers' last
    step (a row lock on PostgreSQL, the write lock on SQLite), so two
    transactions never chain from the same event."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    length: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="")


HASHED = (
    "chain_seq",
    "prev_hash",
    "at",
    "actor_id",
    "verb",
    "object_type",
    "object_id",
    "document_id",
    "issue_id",
    "from_state",
    "to_state",
    "comment",
    "details",
)


def _plain_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def event_digest(values: dict) -> str:
    """sha256 of an event's content (the HASHED fields) as canonical JSON.
    A pure function of the stored values (the migration chains old events with it)."""
    content = {name: values.get(name) for name in HASHED}
    content["at"] = _plain_time(content["at"])
    text_form = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text_form.encode("utf-8")).hexdigest()


def _take_chain_head(session: Session, length_step: int) -> tuple[int, str]:
    """Lock the head, advance it by ``length_step``, and return (the new
    length, the hash of the event that was last before)."""
    # Core statements on the table: the ORM's bulk-update machinery cost more
    # CPU than the statement itself (issue 20), and the head is never an
    # object of the session.
    chain = cast(Table, AuditChain.__table__)
    advance = (
        update(chain)
        .where(chain.c.id == 1)
        .values(length=chain.c.length + length_step)
        .returning(chain.c.length, chain.c.last_hash)
    )
    # The head row exists after the first event: one statement from then on
    # (the insert below runs only on an empty chain).
    row = session.execute(advance).one_or_none()
    if row is None:
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        session.execute(
            insert(chain).values(id=1, length=0, last_hash="").on_conflict_do_nothing(index_elements=["id"])
        )
        row = session.execute(advance).one()
    return row[0], row[1]


_UNCHAINED = "audit_unchained"


def _chain_at_commit(session: Session) -> None:
    """Chain the events this transaction recorded, as it commits.

    The head is the one row every recording transaction updates, so its lock
    serialises them; taken here, it is held from just before COMMIT instead of
    from a request's first event (issue 20: writers queued behind each
    other's notifications and responses). The events were inserted unchained
    (the append-only trigger allows exactly that one change: chain fields set
    once, nothing else); those of a savepoint that rolled back are gone and
    are skipped. A savepoint's own commit leaves them for the outer one.
    """
    if session.in_nested_transaction() or not session.info.get(_UNCHAINED):
        return
    # Everything the transaction wrote goes first, then the head: every
    # writer locks its own rows before the head, never the other way round.
    session.flush()
    recorded = session.info.pop(_UNCHAINED)
    events = sorted((e for e in recorded if inspect(e).persistent), key=lambda e: e.id)
    if not events:
        return
    length, prev = _take_chain_head(session, len(events))
    links = []
    for seq, event_row in enumerate(events, start=length - len(events) + 1):
        # The values as flushed: ``details`` was stored as JSON gives it back,
        # so ``verify_chain`` recomputes the same digest from the row.
        values = {name: getattr(event_row, name) for name in HASHED}
        digest = event_digest({**values, "chain_seq": seq, "prev_hash": prev})
        links.append({"event_id": event_row.id, "seq": seq, "prev": prev, "digest": digest})
        prev = digest
    table = cast(Table, AuditEvent.__table__)
    session.execute(
        update(table)
        .where(table.c.id == bindparam("event_id"))
        .values(chain_seq=bindparam("seq"), prev_hash=bindparam("prev"), hash=bindparam("digest")),
        links,
    )
    chain = cast(Table, AuditChain.__table__)
    session.execute(update(chain).where(chain.c.id == 1).values(last_hash=prev))
    for event_row, link in zip(events, links, strict=True):  # the session's copies show what was stored
        set_committed_value(event_row, "chain_seq", link["seq"])
        set_committed_value(event_row, "prev_hash", link["prev"])
        set_committed_value(event_row, "hash", link["digest"])


def _forget_unchained(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended
        session.info.pop(_UNCHAINED, None)


event.listen(Session, "before_commit", _chain_at_commit)
event.listen(Session, "after_transaction_end", _forget_unchained)


def verify_chain() -> tuple[int, str | None, int | None]:
    """Walk the chain in order: (events checked, the first broken link
    described or None, that event's id or None)."""
    checked, prev = 0, ""
    rows = db.session.execute(
        select(AuditEvent.__table__).order_by(
            AuditEvent.chain_seq.is_(None), AuditEvent.chain_seq, AuditEvent.id
        )
    ).mappings()
    for row in rows:
        checked += 1
        if row["chain_seq"] is None or row["hash"] is None:
            return (
                checked,
                f"event {row['id']} is not in the chain (no hash): inserted past the service",
                row["id"],
            )
        if row["chain_seq"] != checked:
            return (
                checked,
                (
                    f"event {row['id']} is at position {row['chain_seq']} where {checked} was expected: "
                    f"an event before it was removed"
                ),
                row["id"],
            )
        if row["prev_hash"] != prev:
            return (
                checked,
                (
                    f"event {row['id']} does not follow the event before it (prev_hash differs): "
                    f"an event before it was removed, replaced or inserted"
                ),
                row["id"],
            )
        if event_digest(dict(row)) != row["hash"]:
            return (
                checked,
                f"event {row['id']} was changed after it was recorded (its content does not match its hash)",
                row["id"],
            )
        prev = row["hash"]
    head = db.session.get(AuditChain, 1)
    if head is not None and (head.length != checked or head.last_hash != prev):
        return (
            checked,
            (
                f"the chain ends after {checked} events but its head records {head.length}: "
                f"the newest events were removed"
            ),
            None,
        )
    return checked, None, None


# Append-only at the database level: an application bug or a stray script
# cannot rewrite history. The one update allowed is the chaining at commit:
# chain fields set on an event that has none, every other field unchanged.
# What the chaining may not change: the event's id and content.
_CONTENT = ("id", *(name for name in HASHED if name not in ("chain_seq", "prev_hash")))
_SQLITE_CHAINING = " AND ".join(
    ["OLD.chain_seq IS NULL", "NEW.chain_seq IS NOT NULL", *(f"NEW.{c} IS OLD.{c}" for c in _CONTENT)]
)
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    f"WHEN NOT ({_SQLITE_CHAINING}) "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
]
# JSON has no equality operator in PostgreSQL: details compare as text.
_PG_ROW = ", ".join("{0}.details::text" if c == "details" else f"{{0}}.{c}" for c in _CONTENT)
_PG_TRIGGER = [
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
    "BEGIN "
    "IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL "
    f"AND ({_PG_ROW.format('NEW')}) IS NOT DISTINCT FROM ({_PG_ROW.format('OLD')}) THEN RETURN NEW; END IF; "
    "RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
]
APPEND_ONLY_DDL = {"sqlite": _SQLITE_TRIGGERS, "postgresql": _PG_TRIGGER}

for _dialect, _statements in APPEND_ONLY_DDL.items():
    for _sql in _statements:
        event.listen(AuditEvent.__table__, "after_create", DDL(_sql).execute_if(dialect=_dialect))


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
        at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        verb=verb,
        object_type=object_type,
        object_id=obj.id,
        document_id=document_id,
        issue_id=issue_id,
        from_state=from_state,
        to_state=to_state,
        comment=comment or "",
        # As the database will give it back (JSON), so the hash computed now
        # is the one a later reader recomputes.
        details=json.loads(json.dumps(details, default=str)) if details is not None else None,
    )
    db.session.add(event_row)
    db.session.info.setdefault(_UNCHAINED, []).append(event_row)  # chained at commit
    return event_row
