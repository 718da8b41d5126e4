"""Review and approval of document versions: the state table, signatures,
periodic reviews, and who is told."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.approval import impact, notifications
    from app.documents.signals import version_state_changed

    notifications.init_app(app)
    version_state_changed.connect(impact.on_state_changed)
