"""The index change log and the nodes that read it.

Every change that affects search appends an ``index_change`` row in the
same transaction as the change. The log is append-only and ordered by its
*position* ``(txid, id)``; each application node keeps its own search index
and reads the log from its own cursor (``index_node``). Rows are pruned
only once every registered node is past them.

Why ``txid``: ids are allocated when a row is inserted, but transactions
commit in any order, so on PostgreSQL id 41 may become visible after id 42
(a reader that moved its cursor to 42 would never see 41). Each row records
the id of the transaction that wrote it (``pg_current_xact_id()``, a server
default), and readers only take rows whose transaction is older than every
transaction still running (``pg_snapshot_xmin``): all of those have ended,
so no row can appear behind the cursor any more. SQLite lets one writer at a
time commit, so there ids are commit-ordered and ``txid`` stays 0.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, BigInteger, Index, Integer, String, event, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, utcnow
from app.extensions import Model

# The server default of index_change.txid on PostgreSQL.
PG_TXID = "(pg_current_xact_id()::text::bigint)"


class IndexChange(Model):
    """One change that affects search: ``kind``/``object_id`` is stale."""

    __tablename__ = "index_change"
    # AUTOINCREMENT: SQLite would otherwise reuse the ids of pruned rows.
    __table_args__ = (
        Index("ix_index_change_position", "txid", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # Set by the database (PostgreSQL: the writing transaction's id; SQLite: 0).
    txid: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    kind: Mapped[str] = mapped_column(String(20))  # document | issue | plan
    object_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Tables made by create_all (tests, the embedded default) get the same
# default as the migration gives PostgreSQL.
event.listen(
    IndexChange.__table__,
    "after_create",
    DDL(f"ALTER TABLE index_change ALTER COLUMN txid SET DEFAULT {PG_TXID}").execute_if(dialect="postgresql"),
)

# Kept for callers of the former outbox (benchmarks count its rows).
IndexOutbox = IndexChange


class IndexNode(Model):
    """An application node with its own index: how far it has read the log
    (its cursor, a position) and when it was last seen. A node unseen for
    ``DOCTRACK_INDEX_NODE_TIMEOUT_S`` is dropped so that it no longer holds
    back pruning; when it comes back it rebuilds its index."""

    __tablename__ = "index_node"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    cursor_txid: Mapped[int] = mapped_column(BigInteger, default=0)
    cursor_id: Mapped[int] = mapped_column(BigInteger, default=0)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
