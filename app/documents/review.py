"""Periodic review: every effective document is reviewed again by a date.

The date counts from the last review (``Document.reviewed_on``: made
effective, or a periodic review record). A review that is due stays due
until somebody reviews: editing the interval moves a date that is not yet
due, never one that is.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_

from app.clock import company_today
from app.documents.models import Document
from app.errors import N_, ValidationFailed


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    # Clamp to the month's last day (31 Jan + 1 month -> 28/29 Feb).
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def next_review_due(document: Document, effective_on: date) -> date:
    months = document.review_interval_months or current_app.config["REVIEW_INTERVAL_MONTHS"]
    return add_months(effective_on, months)


def mark_reviewed(document: Document, on: date) -> None:
    """The document was reviewed ``on`` this day: the next review counts from it."""
    document.reviewed_on = on
    document.review_due = next_review_due(document, on)


def is_due(document: Document, today: date | None = None) -> bool:
    """Overdue or due within the due-soon window."""
    today = today or company_today()
    soon = today + timedelta(days=current_app.config["REVIEW_DUE_SOON_DAYS"])
    return document.review_due is not None and document.review_due <= soon


def reschedule(document: Document, today: date | None = None) -> None:
    """After the interval changed: move a review date that is not due yet."""
    if document.review_due is None or document.reviewed_on is None or is_due(document, today):
        return
    document.review_due = next_review_due(document, document.reviewed_on)


def review_clause(which: str, today: date | None = None):
    """SQL filter: "overdue" (due date passed), "due_soon" (due within the
    configured window, default 30 days) or "due" (either)."""
    today = today or company_today()
    soon = today + timedelta(days=current_app.config["REVIEW_DUE_SOON_DAYS"])
    if which == "overdue":
        return Document.review_due < today
    if which == "due_soon":
        return and_(Document.review_due >= today, Document.review_due <= soon)
    if which == "due":
        return Document.review_due <= soon
    raise ValidationFailed(N_("unknown review filter %(which)r"), field="review", which=which)
