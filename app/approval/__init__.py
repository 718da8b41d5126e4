"""Review and approval of document versions: the state table, signatures,
periodic reviews, and who is told."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.approval import notifications

    notifications.init_app(app)
