"""Job leases: one run of a scheduled job across every node.

Each application node runs its own ``flask scheduler``; all of them fire the
same cron slots. Before a job runs, its scheduler takes the job's lease: one
row per job name in ``job_lease`` with the node holding it, when the lease
expires and the run key (the cron slot being run). Taking it is one atomic
``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` statement (PostgreSQL and
SQLite), so of two nodes racing for the same slot exactly one wins; the
other sees that slot already taken (running or finished) and skips it.

- a lease held by a live run is renewed every third of its time to live, so
  a long backup keeps it; a node that dies mid-run stops renewing and its
  lease expires: the next node to try the same slot runs it again;
- a finished run keeps its run key, so a node whose clock or scheduler
  fires the same slot late does not run it a second time;
- a run that failed is finished too: as before, the next slot runs again.

Times are the nodes' clocks (keep them synchronised, e.g. NTP); the time to
live (``DOCTRACK_JOB_LEASE_SECONDS``, 300) only matters when a node dies.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import String, Table, and_, not_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import UTCDateTime, utcnow
from app.extensions import Model

log = logging.getLogger("doctrack.leases")


class JobLease(Model):
    """The lease of one scheduled job: who runs which slot, until when."""

    __tablename__ = "job_lease"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))  # node name
    run_key: Mapped[str] = mapped_column(String(80))  # the slot, e.g. 2026-11-27T02:00:00+08:00
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ok: Mapped[bool | None]


def acquire(session: Session, name: str, run_key: str, holder: str, ttl_s: float) -> bool:
    """Take the lease of ``name`` for the run ``run_key``; True when this
    caller may run it. Refused while another run holds an unexpired lease,
    and when ``run_key`` already finished (on any node). Commits."""
    now = utcnow()
    table: Table = JobLease.__table__  # type: ignore[assignment]  # a Table, typed FromClause
    values = {
        "name": name,
        "holder": holder,
        "run_key": run_key,
        "expires_at": now + timedelta(seconds=ttl_s),
        "acquired_at": now,
        "finished_at": None,
        "ok": None,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    free = and_(
        # No live run (a finished run's lease expired when it finished)...
        table.c.expires_at < now,
        # ...and this slot not done yet.
        not_(and_(table.c.run_key == run_key, table.c.finished_at.is_not(None))),
    )
    statement = insert(table).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.name],
        set_={k: statement.excluded[k] for k in values if k != "name"},
        where=free,
    )
    taken = session.execute(statement.returning(table.c.name)).first() is not None
    session.commit()
    return taken


def renew(session: Session, name: str, run_key: str, holder: str, ttl_s: float) -> bool:
    """Push the expiry of a lease this holder still has; False if it lost it."""
    result = session.execute(
        update(JobLease)
        .where(
            JobLease.name == name,
            JobLease.holder == holder,
            JobLease.run_key == run_key,
            JobLease.finished_at.is_(None),
        )
        .values(expires_at=utcnow() + timedelta(seconds=ttl_s))
    )
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release(session: Session, name: str, run_key: str, holder: str, ok: bool) -> None:
    """Mark the run finished (the slot is never run again) and free the lease."""
    now = utcnow()
    session.execute(
        update(JobLease)
        .where(JobLease.name == name, JobLease.holder == holder, JobLease.run_key == run_key)
        .values(finished_at=now, expires_at=now, ok=ok)
    )
    session.commit()


@contextmanager
def held(engine, name: str, run_key: str, holder: str, ttl_s: float) -> Iterator[Callable[[], bool] | None]:
    """``with held(...) as lease:`` -- ``lease`` is None when another run
    has (or had) this slot; otherwise the body runs while a thread renews
    the lease, and the run is recorded as finished afterwards (``ok`` False
    when the body raised). ``lease()`` tells whether it is still held."""
    with Session(engine) as session:
        if not acquire(session, name, run_key, holder, ttl_s):
            yield None
            return
    stop = threading.Event()
    state = {"held": True}

    def keep() -> None:
        with Session(engine) as session:
            while not stop.wait(ttl_s / 3):
                try:
                    state["held"] = renew(session, name, run_key, holder, ttl_s)
                except Exception as exc:  # noqa: BLE001 - try again at the next tick
                    session.rollback()
                    log.warning("lease %s: renewing failed: %s", name, exc)

    renewer = threading.Thread(target=keep, name=f"lease-{name}", daemon=True)
    renewer.start()
    ok = False
    try:
        yield lambda: state["held"]
        ok = True
    finally:
        stop.set()
        renewer.join()
        with Session(engine) as session:
            release(session, name, run_key, holder, ok)
