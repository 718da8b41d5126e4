"""Blob rows and files kept in step with the database transaction.

A blob file created during a transaction that then rolls back (bad input
found later, a constraint violation, a crash before commit) is deleted
again, so a refused upload leaves neither a row nor a file behind.
"""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.documents.models import Blob
from app.extensions import db
from app.storage import BlobStore, StagedUpload

_KEY = "doctrack.new_blobs"


def store_staged(store: BlobStore, staged: StagedUpload, media_type: str) -> Blob:
    blob = db.session.get(Blob, staged.sha256)
    created_file = store.put_file(staged.path, staged.sha256)
    if blob is None:
        blob = Blob(sha256=staged.sha256, size=staged.size, media_type=media_type)
        db.session.add(blob)
    if created_file:
        db.session.info.setdefault(_KEY, []).append((store, staged.sha256))
    return blob


@event.listens_for(Session, "after_commit")
def _forget_new_blobs(session: Session) -> None:
    session.info.pop(_KEY, None)


@event.listens_for(Session, "after_transaction_end")
def _remove_orphaned_blobs(session: Session, transaction) -> None:
    # Reached with entries still listed only when the outermost transaction
    # ended without a commit: rollback, close, or an error in flush.
    if transaction.parent is not None:
        return
    for store, sha256 in session.info.pop(_KEY, []):
        store.delete(sha256)


def collect_garbage(store: BlobStore, *, older_than_hours: float, dry_run: bool = False) -> dict:
    """Delete blob files that no blob row references and that are older than
    ``older_than_hours`` (left by a writer killed between storing the file
    and committing its row). Young files are kept: their upload may still be
    about to commit. Returns the hashes removed (or, dry, removable) and bytes."""

    def in_use(sha256: str) -> bool:
        db.session.rollback()  # see what other processes have committed
        return db.session.scalar(select(Blob.sha256).where(Blob.sha256 == sha256)) is not None

    referenced = set(db.session.scalars(select(Blob.sha256)))
    candidates = [sha for sha in store.iter_hashes() if sha not in referenced]
    removed, freed = [], 0
    for sha256 in candidates:
        size = store.remove_if_unused(
            sha256, older_than_s=older_than_hours * 3600, in_use=in_use, dry_run=dry_run
        )
        if size:
            removed.append(sha256)
            freed += size
    return {"removed": removed, "bytes": freed, "dry_run": dry_run}
