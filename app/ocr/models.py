"""OCR jobs: one row per file (document version or attachment) to be read."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, utcnow
from app.extensions import Model


class JobState(enum.StrEnum):
    pending = "pending"
    running = "running"  # claimed by a worker until lease_until
    done = "done"
    failed = "failed"  # reason in ``error``


class OcrJob(Model):
    """Written in the upload's transaction; claimed by one worker at a time
    (a lease: a job whose worker died is claimed again once it expires).
    ``page_texts`` keeps the pages read so far, so a restarted job goes on
    from the next page."""

    __tablename__ = "ocr_job"
    __table_args__ = (
        UniqueConstraint("target", "target_id", name="uq_ocr_job_target"),
        CheckConstraint("state IN ('pending', 'running', 'done', 'failed')", name="state_known"),
        CheckConstraint("target IN ('version', 'attachment')", name="target_known"),
        Index("ix_ocr_job_state_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(20))  # version | attachment
    target_id: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(20), default=JobState.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    worker: Mapped[str] = mapped_column(String(100), default="")
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pages: Mapped[int | None]
    page_texts: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
