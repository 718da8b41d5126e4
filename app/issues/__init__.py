"""Problem reports: the workflow table, the service, and who is told."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.issues import notifications, signals

    signals.issue_state_changed.connect(notifications.on_state_changed)
    signals.issue_assigned.connect(notifications.on_assigned)
