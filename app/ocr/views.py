"""The OCR admin page: on, off or unavailable (and why), the queue, failed
jobs with their reasons, and a retry button."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.errors import N_, NotFound, PermissionDenied
from app.extensions import db
from app.ocr import service
from app.ocr.models import JobState, OcrJob

bp = Blueprint("ocr_admin", __name__, url_prefix="/admin/ocr")


@bp.before_request
@login_required
def _admins_only():
    if not current_user.has_role("admin"):
        raise PermissionDenied(N_("only administrators see the OCR queue"))


@bp.get("")
def index():
    failed = db.session.scalars(
        select(OcrJob).where(OcrJob.state == JobState.failed).order_by(OcrJob.id.desc()).limit(50)
    ).all()
    active = db.session.scalars(
        select(OcrJob)
        .where(OcrJob.state.in_([JobState.pending, JobState.running]))
        .order_by(OcrJob.id)
        .limit(50)
    ).all()
    return render_template(
        "ocr/admin.html",
        info=service.status(current_app.config),
        counts=service.queue_summary(),
        failed=failed,
        active=active,
        form=FlaskForm(),
    )


@bp.post("/<int:job_id>/retry")
def retry(job_id: int):
    if not FlaskForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return redirect(url_for("ocr_admin.index"))
    try:
        service.retry(job_id)
    except LookupError:
        raise NotFound(N_("no OCR job %(job_id)s"), job_id=job_id) from None
    db.session.commit()
    flash(_("OCR job %(id)s queued again.", id=job_id), "success")
    return redirect(url_for("ocr_admin.index"))
