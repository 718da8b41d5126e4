"""The dashboard (home page)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from app import hooks

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def dashboard():
    panels = [panel() for panel in hooks.registered("dashboard_panel")]
    return render_template("dashboard.html", panels=[p for p in panels if p])
