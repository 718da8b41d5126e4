"""OCR jobs: queued with the upload, claimed by workers, text written back.

A version (or attachment) whose file has no text layer is stored at once
with text status ``ocr_pending`` and one ``ocr_job`` row in the same
transaction. ``flask ocr worker`` processes claim jobs one at a time:
PostgreSQL with ``SELECT ... FOR UPDATE SKIP LOCKED`` (workers never wait
for each other), SQLite with one atomic ``UPDATE`` (its writer lock
serialises claims). A claim is a lease: the worker extends it after every
page; a job whose worker died is claimed again once the lease has run out
and goes on from the first page not yet read (``page_texts``). When all
pages are read the text is written to the version in the same transaction
as the search outbox row (``document_changed``), so the index follows.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from app.db import utcnow
from app.documents import signals as document_signals
from app.documents.models import DocumentVersion
from app.errors import BadUpload
from app.extensions import db
from app.ocr import engine
from app.ocr.models import JobState, OcrJob
from app.storage import get_store

log = logging.getLogger(__name__)

PENDING = "ocr_pending"
FAILED = "ocr_failed"


# Settings and availability -------------------------------------------------


def status(config) -> dict:
    """``{"ocr": "on" | "off" | "unavailable", "ocr_reason": ...}``: off by
    the setting, unavailable when Tesseract or a language is missing."""
    if not config.get("OCR_ENABLED", True):
        return {"ocr": "off", "ocr_reason": "DOCTRACK_OCR is off"}
    found = engine.availability(config.get("OCR_TESSERACT", "tesseract"), config["OCR_LANGUAGES"])
    if not found.ok:
        return {"ocr": "unavailable", "ocr_reason": found.reason}
    return {"ocr": "on", "ocr_reason": "", "ocr_engine": found.version}


def is_active(config) -> bool:
    return status(config)["ocr"] == "on"


# Queueing (inside the upload's transaction) --------------------------------


def wants_ocr(media_type: str, text_status: str) -> bool:
    return media_type in engine.OCR_TYPES and text_status == "empty"


def enqueue(target: str, target_id: int, sha256: str, media_type: str) -> OcrJob:
    job = OcrJob(target=target, target_id=target_id, sha256=sha256, media_type=media_type)
    db.session.add(job)
    return job


def on_version_stored(version: DocumentVersion, **_) -> None:
    """Receiver of ``documents.signals.version_stored``: a scan without a
    text layer waits for OCR instead of staying empty."""
    if not wants_ocr(version.media_type, version.text_status) or not is_active(current_app.config):
        return
    version.text_status = PENDING
    enqueue("version", version.id, version.sha256, version.media_type)


def on_attachment_stored(attachment, **_) -> None:
    """Receiver of ``issues.signals.attachment_stored``: a photo or scan on a
    problem report is read like a document's."""
    if not wants_ocr(attachment.media_type, attachment.text_status) or not is_active(current_app.config):
        return
    attachment.text_status = PENDING
    enqueue("attachment", attachment.id, attachment.sha256, attachment.media_type)


def job_for(target: str, target_id: int) -> OcrJob | None:
    return db.session.scalar(select(OcrJob).where(OcrJob.target == target, OcrJob.target_id == target_id))


def queue_summary() -> dict:
    rows = db.session.execute(select(OcrJob.state, func.count()).group_by(OcrJob.state)).all()
    counts = {state.value: 0 for state in JobState}
    counts.update({state: n for state, n in rows})
    return counts


# Claiming ------------------------------------------------------------------


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _claimable(now):
    return or_(
        OcrJob.state == JobState.pending,
        and_(OcrJob.state == JobState.running, OcrJob.lease_until < now),
    )


def claim(session: Any, worker: str, lease_s: float) -> int | None:
    """Take the oldest claimable job for ``worker``; its id, or None."""
    now = utcnow()
    values = {
        "state": JobState.running,
        "worker": worker,
        "lease_until": now + timedelta(seconds=lease_s),
        "attempts": OcrJob.attempts + 1,
        "started_at": func.coalesce(OcrJob.started_at, now),
    }
    if session.get_bind().dialect.name == "postgresql":
        job_id = session.scalar(
            select(OcrJob.id)
            .where(_claimable(now))
            .order_by(OcrJob.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if job_id is None:
            session.rollback()
            return None
        session.execute(update(OcrJob).where(OcrJob.id == job_id).values(**values))
        session.commit()
        return job_id
    oldest = select(OcrJob.id).where(_claimable(now)).order_by(OcrJob.id).limit(1).scalar_subquery()
    result = session.execute(
        update(OcrJob)
        .where(OcrJob.id == oldest, _claimable(now))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        session.rollback()
        return None
    job_id = session.scalar(
        select(OcrJob.id).where(OcrJob.worker == worker, OcrJob.state == JobState.running).order_by(OcrJob.id)
    )
    session.commit()
    return job_id


# Processing ----------------------------------------------------------------


class LeaseLost(Exception):
    """Another worker took the job over (this one was too slow or stopped)."""


def _renew(session: Any, job_id: int, worker: str, lease_s: float, **values) -> None:
    result = session.execute(
        update(OcrJob)
        .where(OcrJob.id == job_id, OcrJob.worker == worker, OcrJob.state == JobState.running)
        .values(lease_until=utcnow() + timedelta(seconds=lease_s), **values)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        session.rollback()
        raise LeaseLost(job_id)
    session.commit()


def _write_target(session: Any, job: OcrJob, text: str | None, text_status: str, pages: int | None) -> None:
    """The job's result on its version or attachment, and the search outbox row."""
    if job.target == "version":
        version = session.get(DocumentVersion, job.target_id)
        if version is None:
            return
        if text is not None:
            version.text = text
            version.page_count = pages or version.page_count
        version.text_status = text_status
        # Receivers write with db.session: the worker's writes go through it too.
        document_signals.document_changed.send(version.document_id)
    else:
        from app.issues import attachments

        attachments.ocr_done(job.target_id, text, text_status)


def run_job(job_id: int, worker: str, config, *, on_page: Callable[[int, int], None] | None = None) -> str:
    """Read the pages of one claimed job; returns its final state."""
    session = db.session
    job = session.get(OcrJob, job_id)
    if job is None:
        return "gone"
    lease_s = config["OCR_LEASE_S"]
    if job.attempts > config["OCR_MAX_ATTEMPTS"]:
        return _fail(
            job_id, worker, f"gave up after {job.attempts - 1} attempts (the worker stopped each time)"
        )
    path = get_store().path(job.sha256)
    try:
        total = engine.page_count(path, job.media_type)
        if total > config["OCR_MAX_PAGES"]:
            return _fail(
                job_id, worker, f"{total} pages, more than the {config['OCR_MAX_PAGES']} read by OCR"
            )
        texts = list(job.page_texts or [])
        _renew(session, job_id, worker, lease_s, pages=total)
        for index, image in engine.pages(
            path,
            job.media_type,
            dpi=config["OCR_DPI"],
            max_pixels=config["OCR_MAX_PIXELS"],
            start=len(texts),
        ):
            text = engine.ocr_image(
                image,
                languages=config["OCR_LANGUAGES"],
                timeout_s=config["OCR_PAGE_TIMEOUT_S"],
                binary=config.get("OCR_TESSERACT", "tesseract"),
                dpi=config["OCR_DPI"],
            )
            texts.append(text)
            _renew(session, job_id, worker, lease_s, page_texts=list(texts))
            if on_page is not None:
                on_page(index + 1, total)
    except LeaseLost:
        log.warning("ocr: job %s was taken over by another worker", job_id)
        return "lost"
    except (engine.OcrError, BadUpload) as exc:
        session.rollback()
        reason = exc.message if isinstance(exc, BadUpload) else str(exc)
        return _fail(job_id, worker, reason)
    except FileNotFoundError:
        session.rollback()
        return _fail(job_id, worker, "the file is missing from the blob store")
    job = session.get(OcrJob, job_id)
    assert job is not None
    if job.worker != worker or job.state != JobState.running:
        return "lost"
    text = engine.PAGE_BREAK.join(texts)
    job.state = JobState.done
    job.error = ""
    job.finished_at = utcnow()
    job.lease_until = None
    _write_target(session, job, text, "ok" if text.strip() else "empty", len(texts))
    session.commit()
    return JobState.done


def _fail(job_id: int, worker: str, reason: str) -> str:
    session = db.session
    session.rollback()
    job = session.get(OcrJob, job_id)
    if job is None or job.worker != worker:
        return "lost"
    job.state = JobState.failed
    job.error = reason[:2000]
    job.finished_at = utcnow()
    job.lease_until = None
    _write_target(session, job, None, FAILED, None)
    session.commit()
    log.warning("ocr: job %s failed: %s", job_id, reason)
    return JobState.failed


def work_once(config, worker: str | None = None, *, on_page=None) -> tuple[int, str] | None:
    """Claim and run one job; (job id, final state), or None when idle."""
    worker = worker or worker_name()
    job_id = claim(db.session, worker, config["OCR_LEASE_S"])
    if job_id is None:
        return None
    try:
        state = run_job(job_id, worker, config, on_page=on_page)
    except Exception as exc:  # noqa: BLE001 - an unknown failure: retried after the lease, up to the attempts
        db.session.rollback()
        log.exception("ocr: job %s raised; it is retried after its lease", job_id)
        _release(job_id, worker, f"{type(exc).__name__}: {exc}")
        state = JobState.pending
    return job_id, str(state)


def _release(job_id: int, worker: str, reason: str) -> None:
    """Give a job back (pending, reason kept) after an unexpected error."""
    session = db.session
    session.execute(
        update(OcrJob)
        .where(OcrJob.id == job_id, OcrJob.worker == worker)
        .values(state=JobState.pending, error=reason[:2000], lease_until=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def retry(job_id: int) -> OcrJob:
    """An admin sends a failed job round again (from its first page)."""
    job = db.session.get(OcrJob, job_id)
    if job is None:
        raise LookupError(job_id)
    job.state = JobState.pending
    job.attempts = 0
    job.error = ""
    job.page_texts = []
    job.finished_at = None
    if job.target == "version":
        version = db.session.get(DocumentVersion, job.target_id)
        if version is not None:
            version.text_status = PENDING
    return job


def blob_path(sha256: str) -> Path:
    return get_store().path(sha256)
