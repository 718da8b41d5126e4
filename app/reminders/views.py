"""Pages: mark all notifications read, watch a document or a report,
delegations."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from app import hooks
from app.auth.models import User
from app.documents.models import Document
from app.errors import DomainError
from app.extensions import db
from app.notify import service as notifications
from app.reminders import delegation, watch
from app.reminders.forms import DelegationForm, PlainForm

bp = Blueprint("followup", __name__)

GROUP_LABELS = {
    "approvals": _l("Review and approval of documents"),
    "reminders": _l("Reminders and escalations"),
    "issues": _l("Problem reports"),
    "plans": _l("Improvement and upgrade plans"),
    "watched": _l("Changes in what I watch"),
    "other": _l("Everything else"),
}
MODE_LABELS = {
    "immediate": _l("E-mail at once"),
    "daily": _l("Daily digest e-mail"),
    "in_app": _l("In the app only"),
}


def _back(default: str):
    target = request.form.get("next") or ""
    # Only a path on this site: never an absolute or scheme-relative URL.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return redirect(target)
    return redirect(default)


@bp.post("/notifications/read-all")
@login_required
def read_all():
    if PlainForm().validate_on_submit():
        count = notifications.mark_all_read(current_user)
        db.session.commit()
        flash(_("%(n)s notifications marked as read.", n=count), "success")
    return redirect(url_for("approval.notification_list"))


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    form = PlainForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("The form expired; please try again."), "error")
        else:
            chosen = {g: request.form.get(g, "") for g in notifications.KIND_GROUPS if request.form.get(g)}
            try:
                notifications.set_preferences(current_user, chosen)
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "error")
            else:
                db.session.commit()
                flash(_("Your choices are saved."), "success")
            return redirect(url_for("followup.preferences"))
    return render_template(
        "reminders/preferences.html",
        form=form,
        current=notifications.preferences(current_user),
        groups=GROUP_LABELS,
        modes=MODE_LABELS,
    )


@bp.post("/watch/<target>/<int:target_id>")
@login_required
def toggle_watch(target: str, target_id: int):
    if target not in watch.TARGETS:
        abort(404)
    if target == "document":
        default = url_for("documents.detail", document_id=target_id)
    else:
        default = url_for("issues.detail", issue_id=target_id)
    if not PlainForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return _back(default)
    on = request.form.get("on") == "1"
    try:
        watch.set_watching(current_user, target, target_id, on)
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        flash(exc.message, "error")
        return _back(default)
    db.session.commit()
    flash(_("You are watching this page.") if on else _("You no longer watch this page."), "success")
    return _back(default)


@bp.route("/delegations", methods=["GET", "POST"])
@login_required
def delegations():
    form = DelegationForm()
    may = delegation.can_delegate(current_user)
    people = db.session.scalars(
        select(User).where(User.active.is_(True), User.id != current_user.id).order_by(User.name)
    ).all()
    form.deputy.choices = [
        (u.id, f"{u.name} ({u.department.code})") for u in people if delegation.may_stand_in(current_user, u)
    ]
    if request.method == "POST":
        if not may:
            abort(403)
        if form.validate_on_submit():
            try:
                delegation.create(
                    current_user,
                    deputy=db.session.get(User, form.deputy.data),
                    starts_on=form.starts_on.data,
                    ends_on=form.ends_on.data,
                    reason=form.reason.data or "",
                )
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "error")
            else:
                db.session.commit()
                flash(_("Deputy named."), "success")
                return redirect(url_for("followup.delegations"))
        else:
            for errors in form.errors.values():
                for error in errors:
                    flash(error, "error")
    return render_template(
        "reminders/delegations.html",
        form=form,
        may=may,
        given=delegation.given_by(current_user),
        received=delegation.received_by(current_user),
        revoke_form=PlainForm(),
        today=delegation.company_today(),
    )


@bp.post("/delegations/<int:delegation_id>/revoke")
@login_required
def revoke_delegation(delegation_id: int):
    if PlainForm().validate_on_submit():
        try:
            delegation.revoke(current_user, delegation_id)
        except DomainError:
            db.session.rollback()
            abort(404)
        db.session.commit()
        flash(_("Delegation ended."), "success")
    return redirect(url_for("followup.delegations"))


REPORT_ROLES = ("admin", "leader", "qc")


def period_from_args():
    """?month=YYYY-MM or ?quarter=YYYY-Qn; last month by default."""
    from app.clock import company_today
    from app.reminders import report

    if request.args.get("quarter"):
        return report.parse_quarter(request.args["quarter"])
    if request.args.get("month"):
        return report.parse_month(request.args["month"])
    return report.previous_month(company_today())


@bp.get("/assessment")
@login_required
def assessment_page():
    from app.clock import company_today
    from app.reminders import assessment
    from app.reminders.report import previous_month

    if not current_user.has_role(*assessment.ASSESSMENT_ROLES):
        abort(403)
    try:
        period = period_from_args()
    except DomainError as exc:
        flash(exc.message, "error")
        period = previous_month(company_today())
    return render_template(
        "reminders/assessment.html", a=assessment.compute(period), rules=assessment.RULES, period=period
    )


@bp.post("/reports/monthly")
@login_required
def generate_report():
    from app.reminders import report

    if not current_user.has_role(*REPORT_ROLES):
        abort(403)
    back = redirect(url_for("issues.metrics_page"))
    if not PlainForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return back
    try:
        quarter = (request.form.get("quarter") or "").strip()
        period = (
            report.parse_quarter(quarter) if quarter else report.parse_month(request.form.get("month", ""))
        )
        version = report.publish(period, requested_by=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return back
    db.session.commit()
    flash(
        _("Report generated: %(title)s, version %(n)s.", title=version.document.title, n=version.number),
        "success",
    )
    return redirect(url_for("documents.detail", document_id=version.document_id))


def _report_panel(start, end):
    from app.clock import company_today
    from app.documents.policy import visible_documents_clause
    from app.reminders import report

    recent = db.session.scalars(
        select(Document)
        .where(
            Document.category == "quality",
            Document.title.like("Monthly product tracking report %"),
            visible_documents_clause(current_user),
        )
        .order_by(Document.id.desc())
        .limit(6)
    ).all()
    return "reminders/_report_panel.html", {
        "may": current_user.has_role(*REPORT_ROLES),
        "form": PlainForm(),
        "last_month": report.previous_month(company_today()).label,
        "recent": recent,
    }


DECISION_ROWS = 5


@bp.get("/meetings")
@login_required
def meetings():
    from app.reminders import meetings as service

    return render_template(
        "reminders/meetings.html", meetings=service.listing(), may=service.may_record(current_user)
    )


@bp.route("/meetings/new", methods=["GET", "POST"])
@login_required
def new_meeting():
    from datetime import date as _date

    from app.auth.models import Department
    from app.reminders import meetings as service

    if not service.may_record(current_user):
        abort(403)
    form = PlainForm()
    departments = db.session.scalars(select(Department).order_by(Department.code)).all()
    people = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)).all()
    if request.method == "POST" and form.validate_on_submit():
        try:
            held_on = _date.fromisoformat(request.form.get("held_on", ""))
        except ValueError:
            held_on = None
        try:
            meeting = service.create(
                current_user,
                quarter=request.form.get("quarter", ""),
                held_on=held_on,
                attendee_ids=[int(v) for v in request.form.getlist("attendees") if v.isdigit()],
                updates={d.code: request.form.get(f"update-{d.code}", "") for d in departments},
                decisions=[
                    (request.form.get(f"decision-{n}", ""), request.form.get(f"decision-dept-{n}", ""))
                    for n in range(DECISION_ROWS)
                ],
                notes=request.form.get("notes", ""),
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Meeting recorded."), "success")
            return redirect(url_for("followup.meeting", meeting_id=meeting.id))
    return render_template(
        "reminders/meeting_new.html",
        form=form,
        departments=departments,
        people=people,
        rows=range(DECISION_ROWS),
    )


@bp.get("/meetings/<int:meeting_id>")
@login_required
def meeting(meeting_id: int):
    from app.reminders import meetings as service

    try:
        row = service.get(meeting_id)
    except DomainError:
        abort(404)
    return render_template(
        "reminders/meeting.html",
        meeting=row,
        attendees=service.attendees(row),
        may=service.may_record(current_user),
        form=PlainForm(),
    )


@bp.post("/meetings/decisions/<int:decision_id>/plan")
@login_required
def plan_from_decision(decision_id: int):
    from app.reminders import meetings as service
    from app.reminders.models import MeetingDecision

    decision = db.session.get(MeetingDecision, decision_id)
    if decision is None:
        abort(404)
    back = redirect(url_for("followup.meeting", meeting_id=decision.meeting_id))
    if not PlainForm().validate_on_submit():
        return back
    try:
        plan = service.plan_from_decision(current_user, decision_id)
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 403:
            abort(403)
        flash(exc.message, "error")
        return back
    db.session.commit()
    flash(_("Improvement plan drawn up from the decision."), "success")
    return redirect(url_for("plans.detail", plan_id=plan.id))


def _watch_panel(document: Document):
    return "reminders/_watch.html", {
        "target": "document",
        "target_id": document.id,
        "watching": watch.is_watching(current_user, "document", document.id),
        "form": PlainForm(),
    }


def _watched_panel():
    documents, issues = watch.watched_items(current_user)
    return "reminders/_watched_panel.html", {"documents": documents, "issues": issues}


def init_app(app) -> None:
    hooks.register(app, "document_panel", _watch_panel)
    hooks.register(app, "dashboard_panel", _watched_panel)
    hooks.register(app, "metrics_panel", _report_panel)

    @app.context_processor
    def _followup_globals():
        def unread_notifications() -> int:
            if not getattr(current_user, "is_authenticated", False):
                return 0
            return notifications.unread_count(current_user)

        def watch_form(target: str, target_id: int) -> dict:
            return {
                "target": target,
                "target_id": target_id,
                "watching": watch.is_watching(current_user, target, target_id),
                "form": PlainForm(),
            }

        return {"unread_notifications": unread_notifications, "watch_form": watch_form}
