"""The dashboard panel of saved searches with their current counts."""

from __future__ import annotations

from flask_login import current_user

from app import hooks
from app.search import saved


def _dashboard_panel():
    items = saved.mine(current_user)
    if not items:
        return None
    return "search/_saved_panel.html", {"saved": [(s, saved.count(current_user, s)) for s in items]}


def init_app(app) -> None:
    hooks.register(app, "dashboard_panel", _dashboard_panel)
