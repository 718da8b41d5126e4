"""Reminders and escalation (the scheduler's daily job), delegation of
approvals, watching, digests, the monthly product-tracking report and the
department assessment (issue 16)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.documents.signals import version_state_changed
    from app.issues.signals import issue_state_changed
    from app.reminders import watch

    version_state_changed.connect(watch.on_version_state_changed)
    issue_state_changed.connect(watch.on_issue_state_changed)
