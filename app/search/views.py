"""The search page."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from app import limits
from app.errors import DomainError
from app.request_args import date_arg, int_arg, text_arg
from app.search import service

bp = Blueprint("search", __name__)


@bp.get("/search")
@login_required
def page():
    args = service.SearchArgs(
        q=text_arg("q", limits.SEARCH_QUERY * 4, ""),  # the service names the bound
        **{name: text_arg(name, limits.FILTER) for name in service.FILTERS},
        date_from=date_arg("from"),
        date_to=date_arg("to"),
        sort=text_arg("sort", limits.FILTER, "relevance"),
        page=int_arg("page", 1),
        per_page=10,
    )
    error = None
    try:
        result = service.search(current_user, args) if (args.q or request.args) else None
    except DomainError as exc:
        result, error = None, exc.message
    return render_template("search/page.html", args=args, result=result, error=error), 400 if error else 200
