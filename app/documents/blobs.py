"""Blob rows and files kept in step with the database transaction.

A blob file created during a transaction that then rolls back (bad input
found later, a constraint violation, a crash before commit) is deleted
again, so a refused upload leaves neither a row nor a file behind.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.documents.models import Blob
from app.extensions import db
from app.storage import LocalBlobStore, StagedUpload

_KEY = "doctrack.new_blobs"


def store_staged(store: LocalBlobStore, staged: StagedUpload, media_type: str) -> Blob:
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
