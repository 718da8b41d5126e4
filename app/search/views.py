"""The search page."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from app.errors import DomainError
from app.search import service

bp = Blueprint("search", __name__)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/search")
@login_required
def page():
    args = service.SearchArgs(
        q=request.args.get("q", ""),
        **{name: request.args.get(name) or None for name in service.FILTERS},
        date_from=_day(request.args.get("from")), date_to=_day(request.args.get("to")),
        sort=request.args.get("sort", "relevance"),
        page=max(int(request.args.get("page", "1") or 1) if request.args.get("page", "1").isdigit() else 1, 1),
        per_page=10,
    )
    error = None
    try:
        result = service.search(current_user, args) if (args.q or request.args) else None
    except DomainError as exc:
        result, error = None, exc.message
    return render_template("search/page.html", args=args, result=result, error=error)
