"""The dashboard (home page)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("main", __name__)

# Features add dashboard panels: callables returning (template, context).
DASHBOARD_PANELS: list = []


@bp.get("/")
@login_required
def dashboard():
    panels = [panel() for panel in DASHBOARD_PANELS]
    return render_template("dashboard.html", panels=[p for p in panels if p])
