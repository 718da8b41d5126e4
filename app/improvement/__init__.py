"""Improvement measures and upgrade plans: the state tables, approval by a
leader's signature, actions, effectiveness checks, and who is told."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app import hooks
    from app.improvement import notifications, signals

    signals.plan_state_changed.connect(notifications.on_state_changed)
    signals.measure_assigned.connect(notifications.on_measure_assigned)
    signals.measures_done.connect(notifications.on_measures_done)
    hooks.register(app, "document_panel", _document_panel)


def _document_panel(document):
    """The document page shows the plans it rests under or was changed by."""
    from flask_login import current_user

    from app.improvement.service import plans_of_document

    rows = plans_of_document(current_user, document)
    return ("improvement/_document_panel.html", {"plan_rows": rows}) if rows else None
