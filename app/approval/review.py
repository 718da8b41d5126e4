"""Periodic review: every effective document is reviewed again by a date."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_

from app.documents.models import Document
from app.errors import ValidationFailed


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


def review_clause(which: str, today: date | None = None):
    """SQL filter: "overdue" (due date passed), "due_soon" (due within the
    configured window, default 30 days) or "due" (either)."""
    today = today or date.today()
    soon = today + timedelta(days=current_app.config["REVIEW_DUE_SOON_DAYS"])
    if which == "overdue":
        return Document.review_due < today
    if which == "due_soon":
        return and_(Document.review_due >= today, Document.review_due <= soon)
    if which == "due":
        return Document.review_due <= soon
    raise ValidationFailed(f"unknown review filter {which!r}", field="review")
