"""Append to the index change log; services call this inside their transaction."""

from __future__ import annotations

from app.extensions import db
from app.search.models import IndexChange


def queue_index(kind: str, object_id: int) -> None:
    """Record that the search entry of ``kind``/``object_id`` is stale.

    The row commits or rolls back with the change itself, so no node's index
    can miss a committed change nor see an uncommitted one.
    """
    if kind not in ("document", "issue", "plan"):
        raise ValueError(f"unknown index kind {kind!r}")
    db.session.add(IndexChange(kind=kind, object_id=object_id))
