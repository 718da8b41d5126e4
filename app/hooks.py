"""Extension points that features fill in ``create_app`` (never at import
time): panels on the document page and the dashboard, fields of the health
answer. A page asks for what is registered on the running app.

- ``document_panel``: callable(document) -> (template, context) or None
- ``dashboard_panel``: callable() -> (template, context) or None
- ``health_probe``: callable() -> dict of fields for /api/v1/health
- ``text_marker``: callable(text, query) -> HTML with the query's terms in
  <mark>, or None (the version page opened from a search result)
- ``metrics_panel``: callable(start date, end date) -> (template, context) or None
- ``inbox_panel``: callable() -> (template, context) or None (what else waits for the reader)
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

POINTS = ("document_panel", "dashboard_panel", "health_probe", "text_marker", "metrics_panel", "inbox_panel")


def register(app: Flask, point: str, hook: Callable) -> None:
    if point not in POINTS:
        raise ValueError(f"unknown extension point {point!r}")
    hooks = app.extensions.setdefault("doctrack.hooks", {}).setdefault(point, [])
    if hook not in hooks:
        hooks.append(hook)


def registered(point: str) -> list[Callable]:
    return list(current_app.extensions.get("doctrack.hooks", {}).get(point, []))
