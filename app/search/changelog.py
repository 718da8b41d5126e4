"""Reading the index change log from a node's cursor, and pruning it.

A *position* is ``(txid, id)`` (see app.search.models). A node reads the
rows after its cursor that are *settled*: on PostgreSQL those whose writing
transaction is older than every transaction still running, so none can
appear behind the cursor later; on SQLite every committed row.

Invariants:
- a registered node's cursor never passes a row it has not applied;
- rows are deleted only at or below the lowest cursor of the registered
  nodes (nodes unseen for the timeout are dropped first: they rebuild);
- registering a node (at the current head, before a rebuild reads the
  database) and pruning are serialised (a transaction-level advisory lock
  on PostgreSQL; SQLite has one writer), so a node never registers at a
  position whose later rows a concurrent prune is deleting.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text, true, tuple_, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.search.models import IndexChange, IndexNode

Position = tuple[int, int]
START: Position = (0, 0)
# pg_advisory_xact_lock key shared by registration and pruning ("idxlog").
_LOCK_KEY = 0x6964786C6F67


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _settled(session: Session):
    """The condition for rows no running transaction can still add behind."""
    if not _postgres(session):
        return true()
    return IndexChange.txid < text("(pg_snapshot_xmin(pg_current_snapshot())::text::bigint)")


def _after(position: Position):
    return tuple_(IndexChange.txid, IndexChange.id) > tuple_(position[0], position[1])


def read(
    session: Session, after: Position, limit: int
) -> tuple[list[tuple[int, int, str, int]], list[tuple[int, int, str, int]]]:
    """Up to ``limit`` committed rows after ``after``, as (txid, id, kind,
    object_id), split into the settled ones and the rest (PostgreSQL: rows
    some older transaction, in any database of the server, is still running
    beside). The rest are applied at once, for freshness, but a cursor does
    not pass them until they are settled.

    One statement, so one snapshot decides both which rows are committed and
    which are settled. Read by two statements, a row unsettled for the first
    could be settled for the second (the older transaction ended between
    them) and be returned by neither: it stayed out of the index until the
    next change came. Settled rows sort first: their txid is below the
    snapshot's xmin, every other row's is not."""
    rows = session.execute(
        select(IndexChange.txid, IndexChange.id, IndexChange.kind, IndexChange.object_id, _settled(session))
        .where(_after(after))
        .order_by(IndexChange.txid, IndexChange.id)
        .limit(limit)
    ).all()
    settled = [(r[0], r[1], r[2], r[3]) for r in rows if r[4]]
    return settled, [(r[0], r[1], r[2], r[3]) for r in rows if not r[4]]


def pending(session: Session, after: Position) -> tuple[int, datetime | None]:
    """How many changes after ``after`` this node has still to apply (settled
    or not), and when the oldest was made."""
    count, oldest = session.execute(
        select(func.count(IndexChange.id), func.min(IndexChange.created_at)).where(_after(after))
    ).one()
    return count, oldest


def _serialise(session: Session) -> None:
    if _postgres(session):
        session.execute(select(func.pg_advisory_xact_lock(_LOCK_KEY)))


def head(session: Session) -> Position:
    """The newest settled position (START when the log is empty)."""
    row = session.execute(
        select(IndexChange.txid, IndexChange.id)
        .where(_settled(session))
        .order_by(IndexChange.txid.desc(), IndexChange.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else START


def register_at_head(session: Session, node: str) -> Position:
    """(Re-)register ``node`` with its cursor at the current head and return
    it: every change up to there is committed, so an index built from the
    database after this call covers them; later rows are kept for it."""
    _serialise(session)
    position = head(session)
    now = utcnow()
    row = session.get(IndexNode, node, with_for_update=True)
    if row is None:
        session.add(
            IndexNode(
                name=node,
                cursor_txid=position[0],
                cursor_id=position[1],
                last_seen=now,
                registered_at=now,
            )
        )
    else:
        row.cursor_txid, row.cursor_id, row.last_seen = position[0], position[1], now
    session.commit()
    return position


def node_cursor(session: Session, node: str) -> Position | None:
    """The cursor the database holds for ``node``; None when it is not
    registered (new, or dropped after being unseen too long)."""
    row = session.execute(
        select(IndexNode.cursor_txid, IndexNode.cursor_id).where(IndexNode.name == node)
    ).first()
    return (row[0], row[1]) if row else None


def advance(session: Session, node: str, position: Position) -> bool:
    """Record that ``node`` has applied everything up to ``position`` (and is
    alive). False when the node is no longer registered: it must rebuild."""
    result = session.execute(
        update(IndexNode)
        .where(IndexNode.name == node)
        .values(cursor_txid=position[0], cursor_id=position[1], last_seen=utcnow())
    )
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def prune(session: Session, node: str, timeout_s: float) -> dict:
    """Drop nodes unseen for ``timeout_s`` (never ``node``, the caller), then
    delete the rows every remaining node has read. Returns what was done."""
    _serialise(session)
    now = utcnow()
    session.execute(update(IndexNode).where(IndexNode.name == node).values(last_seen=now))
    stale = list(
        session.scalars(
            select(IndexNode.name).where(
                IndexNode.last_seen < now - timedelta(seconds=timeout_s), IndexNode.name != node
            )
        )
    )
    if stale:
        session.execute(delete(IndexNode).where(IndexNode.name.in_(stale)))
    lowest = session.execute(
        select(IndexNode.cursor_txid, IndexNode.cursor_id)
        .order_by(IndexNode.cursor_txid, IndexNode.cursor_id)
        .limit(1)
    ).first()
    removed = 0
    if lowest is not None:
        result = session.execute(
            delete(IndexChange).where(
                tuple_(IndexChange.txid, IndexChange.id) <= tuple_(lowest[0], lowest[1])
            )
        )
        removed = result.rowcount  # type: ignore[attr-defined]
    session.commit()
    return {"removed": removed, "dropped": stale}


def nodes(session: Session) -> list[dict]:
    """Every registered node, its cursor and when it was last seen."""
    return [
        {
            "name": row.name,
            "cursor": [row.cursor_txid, row.cursor_id],
            "last_seen": row.last_seen.isoformat(),
        }
        for row in session.scalars(select(IndexNode).order_by(IndexNode.name))
    ]
