"""Files attached to problem reports: photos of a defect, a customer's
scanned complaint form, a delivery note.

Several per report, each under its own size limit, stored by sha256 in the
blob store like document versions, with the same hostile-input rules
(app.documents.sandbox: type judged from the bytes, images refused by pixel
count and page count, a time and memory budget). Photos can have their GPS
position removed on upload. Images and scans without a text layer are read
by OCR (app.ocr, through ``attachment_stored``); their text is searchable
as part of the report. Whoever may read the report may download them.
"""

from __future__ import annotations

import io
from datetime import datetime

from flask import current_app, send_file
from sqlalchemy import ForeignKey, String, Text, func, select
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from app.audit import record_event
from app.auth.models import User
from app.db import UTCDateTime, utcnow
from app.documents import blobs
from app.documents.filenames import sanitize_filename
from app.documents.images import strip_gps
from app.documents.sandbox import inspect_bounded
from app.errors import N_, FileTooLarge, NotFound, PermissionDenied, ValidationFailed
from app.extensions import Model, db
from app.issues import signals
from app.issues.models import Issue
from app.issues.policy import can_view_issue
from app.storage import UploadTooLarge, get_store

MAX_PER_REPORT = 20


class IssueAttachment(Model):
    __tablename__ = "issue_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    # The file's text (a PDF's text layer, or OCR of a photo or scan; pages
    # separated by form feeds) and its status as for document versions.
    text: Mapped[str] = mapped_column(Text, default="")
    text_status: Mapped[str] = mapped_column(String(20), default="ok")
    gps_removed: Mapped[bool] = mapped_column(default=False)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    issue: Mapped[Issue] = relationship(
        backref=backref("attachments", order_by="IssueAttachment.id", lazy="selectin")
    )
    uploaded_by: Mapped[User] = relationship()


def _may_attach(actor: User, issue: Issue) -> bool:
    from app.issues.service import _may_participate

    return _may_participate(actor, issue)


def add_attachment(
    actor: User, issue: Issue, stream, filename: str, *, remove_gps: bool = False
) -> IssueAttachment:
    """Store one file on ``issue`` (not committed). ``remove_gps``: a
    JPEG's GPS position is removed from its EXIF before it is stored."""
    if not _may_attach(actor, issue):
        raise PermissionDenied(N_("only people working on this report may attach files"))
    if stream is None:
        raise ValidationFailed(N_("a file is required"), field="file")
    count = db.session.scalar(
        select(func.count(IssueAttachment.id)).where(IssueAttachment.issue_id == issue.id)
    )
    if (count or 0) >= MAX_PER_REPORT:
        raise ValidationFailed(
            N_("a report takes at most %(max)s attachments"), field="file", max=MAX_PER_REPORT
        )
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(N_("an attachment may be at most %(mb)s MB"), mb=limit // (1024 * 1024))
    if not data:
        raise ValidationFailed(N_("the file is empty"), field="file")
    stripped = strip_gps(data) if remove_gps else data
    name = sanitize_filename(filename or "attachment")
    store = get_store()
    try:
        staged = store.stage(io.BytesIO(stripped), limit)
    except UploadTooLarge:
        raise FileTooLarge(N_("an attachment may be at most %(mb)s MB"), mb=limit // (1024 * 1024)) from None
    try:
        extracted = inspect_bounded(
            staged.path,
            name,
            max_unpacked_bytes=current_app.config["MAX_UNPACKED_MB"] * 1024 * 1024,
            timeout_s=current_app.config["EXTRACT_TIMEOUT_S"],
            per_page_s=current_app.config["EXTRACT_MS_PER_PAGE"] / 1000,
            max_timeout_s=current_app.config["EXTRACT_TIMEOUT_MAX_S"],
            memory_mb=current_app.config["EXTRACT_MEMORY_MB"],
        )
    except BaseException:
        staged.discard()
        raise
    blobs.store_staged(store, staged, extracted.media_type)
    attachment = IssueAttachment(
        issue=issue,
        sha256=staged.sha256,
        filename=name,
        media_type=extracted.media_type,
        size=staged.size,
        text=extracted.text,
        text_status=extracted.status,
        gps_removed=stripped != data,
        uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    db.session.flush()
    signals.attachment_stored.send(attachment)
    record_event(
        actor,
        "attach",
        issue,
        details={"attachment_id": attachment.id, "filename": name, "sha256": staged.sha256},
    )
    signals.issue_changed.send(issue.id)
    return attachment


def get_attachment(user: User, issue_id: int, attachment_id: int) -> IssueAttachment:
    """The attachment, or NotFound also when ``user`` may not read the report."""
    attachment = db.session.get(IssueAttachment, attachment_id)
    if attachment is None or attachment.issue_id != issue_id or not can_view_issue(user, attachment.issue):
        raise NotFound(N_("no such attachment"))
    return attachment


def send_attachment(attachment: IssueAttachment):
    """The stored bytes as a download (the caller checked the permission)."""
    store = get_store()
    if not store.exists(attachment.sha256):
        raise NotFound(N_("the stored file of this attachment is missing; restore it from a backup"))
    return send_file(
        store.path(attachment.sha256),
        mimetype=attachment.media_type,
        as_attachment=True,
        download_name=attachment.filename,
        etag=attachment.sha256,
        conditional=True,
        max_age=0,
    )


def ocr_done(attachment_id: int, text: str | None, text_status: str) -> None:
    """OCR's result (app.ocr) on the attachment; the report is indexed again."""
    attachment = db.session.get(IssueAttachment, attachment_id)
    if attachment is None:
        return
    if text is not None:
        attachment.text = text
    attachment.text_status = text_status
    signals.issue_changed.send(attachment.issue_id)
