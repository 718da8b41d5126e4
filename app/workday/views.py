"""Pages and endpoints for a working day: saved views of the lists, bulk
actions on selected rows, the document picker (JSON), the dashboard's
"my tasks" and "recently changed" panels."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app import hooks, limits
from app.errors import DomainError
from app.extensions import db
from app.request_args import text_arg
from app.search import saved
from app.workday import listing, service

bp = Blueprint("workday", __name__)


def _next(default: str) -> str:
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return default


def _ids() -> list[int]:
    return [int(v) for v in request.form.getlist("ids") if v.isdigit() and len(v) < 10]


# Saved views -------------------------------------------------------------------


@bp.post("/views")
@login_required
def save_view():
    scope = request.form.get("scope", "")
    back = {"documents": url_for("documents.index"), "issues": url_for("issues.index")}.get(scope)
    if back is None:
        abort(400, description=_("Unknown list %(name)s.", name=scope[:40]))
    query = dict(parse_qsl(request.form.get("query", "")[: limits.SEARCH_QUERY * 4]))
    try:
        view = saved.save_view(current_user, scope, request.form.get("name", ""), query)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(_next(back))
    db.session.commit()
    flash(_("View “%(name)s” saved.", name=view.name), "success")
    return redirect(view.link)


@bp.post("/views/<int:view_id>/delete")
@login_required
def delete_view(view_id: int):
    try:
        saved.delete(current_user, view_id)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(_next(url_for("main.dashboard")))
    db.session.commit()
    flash(_("Saved view deleted."), "success")
    return redirect(_next(url_for("main.dashboard")))


# Bulk actions --------------------------------------------------------------------


def _summary(outcome: service.Outcome, back: str, title: str):
    status = 200 if outcome.done or not outcome.refused else 409
    return render_template("workday/bulk_result.html", outcome=outcome, back=back, title=title), status


def _download(data: bytes, name: str, content_type: str) -> Response:
    return Response(
        data,
        content_type=content_type,
        headers={"Content-Disposition": f"attachment; filename={name}", "Cache-Control": "no-store"},
    )


@bp.post("/documents/bulk")
@login_required
def bulk_documents():
    back = _next(url_for("documents.index"))
    action = request.form.get("action", "")
    try:
        if action == "zip":
            data, outcome = service.documents_zip(current_user, _ids())
            response = _download(data, "documents.zip", "application/zip")
            response.headers["X-Files-Left-Out"] = str(len(outcome.refused))
            return response
        if action == "csv":
            return _download(
                service.documents_csv(current_user, _ids()), "documents.csv", "text/csv; charset=utf-8"
            )
        outcome = service.document_state_change(current_user, _ids(), action)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(back)
    db.session.commit()
    return _summary(outcome, back, BULK_DOCUMENT_TITLES[action]())


BULK_DOCUMENT_TITLES = {
    "submit": lambda: _("Submit for review"),
    "withdraw": lambda: _("Withdraw from review"),
}


@bp.post("/issues/bulk")
@login_required
def bulk_issues():
    from app.issues import export
    from app.issues.forms import ACTION_LABELS

    back = _next(url_for("issues.index"))
    try:
        if request.form.get("export") == "csv":
            body = export.to_csv(service.selected_issues(_ids()), current_user)
            return _download(body, "problem-reports.csv", "text/csv; charset=utf-8")
        action = request.form.get("action", "")
        comment = (request.form.get("comment") or "")[: limits.COMMENT]
        outcome = service.issue_state_change(current_user, _ids(), action, comment)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(back)
    db.session.commit()
    return _summary(outcome, back, str(ACTION_LABELS.get(action, action)))


@bp.post("/notifications/read")
@login_required
def notifications_read():
    ids = None if request.form.get("all") == "1" else _ids()
    try:
        count = service.mark_notifications_read(current_user, ids)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("approval.notification_list"))
    db.session.commit()
    flash(
        ngettext("%(num)s notification marked read.", "%(num)s notifications marked read.", count), "success"
    )
    return redirect(url_for("approval.notification_list"))


# The document picker -------------------------------------------------------------


@bp.get("/documents/pick")
@login_required
def pick():
    """JSON for the picker: documents the user may see matching ``q``, with
    the versions they may open."""
    text = text_arg("q", limits.FILTER, "") or ""
    response = jsonify({"items": service.pick_documents(current_user, text)})
    response.headers["Cache-Control"] = "no-store"
    return response


# The dashboard ---------------------------------------------------------------------


def _tasks_panel():
    approvals, approvals_total = service.waiting_approvals(current_user)
    reports, reports_total = service.my_open_reports(current_user)
    acks, acks_total = service.acknowledgements_due(current_user)
    return "workday/_tasks_panel.html", {
        "approvals": approvals,
        "approvals_total": approvals_total,
        "reports": reports,
        "reports_total": reports_total,
        "acks": acks,
        "acks_total": acks_total,
    }


def _recent_panel():
    return "workday/_recent_panel.html", {"documents": service.recently_changed(current_user)}


def _saved_views_global(scope: str):
    if not current_user.is_authenticated:
        return []
    return saved.mine(current_user, scope)


def init_app(app) -> None:
    hooks.register(app, "dashboard_panel", _tasks_panel)
    hooks.register(app, "dashboard_panel", _recent_panel)
    app.jinja_env.globals.update(
        my_saved_views=_saved_views_global,
        PER_PAGE_CHOICES=listing.PER_PAGE_CHOICES,
        BULK_ISSUE_ACTIONS=service.ISSUE_ACTIONS,
        make_paging=listing.Paging,
    )
