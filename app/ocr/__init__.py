"""OCR of scanned PDFs and images (Tesseract): jobs queued with the upload,
run by ``flask ocr worker``, text written back and indexed."""

from __future__ import annotations

from flask import Flask, current_app

from app import hooks


def init_app(app: Flask) -> None:
    from app.documents.signals import version_stored
    from app.issues.signals import attachment_stored
    from app.ocr.service import on_attachment_stored, on_version_stored

    hooks.register(app, "health_probe", _health)
    version_stored.connect(on_version_stored)
    attachment_stored.connect(on_attachment_stored)
    app.add_template_global(_ocr_job, "ocr_job")


def _ocr_job(target: str, target_id: int):
    """The OCR job of a version or attachment (its state and failure reason), for pages."""
    from app.ocr.service import job_for

    return job_for(target, target_id)


def _health() -> dict:
    from app.ocr.service import queue_summary, status

    info = status(current_app.config)
    counts = queue_summary()
    return {**info, "ocr_pending": counts["pending"] + counts["running"], "ocr_failed": counts["failed"]}
