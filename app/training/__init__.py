"""Read-and-acknowledge (training records): who must read a document, their
tasks when a version becomes effective, confirmations, reminders."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.documents.signals import version_state_changed
    from app.training import service

    version_state_changed.connect(service.on_version_state_changed)
