"""Plan pages: list, draw up, detail with actions, progress and documents."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import hooks, limits
from app.auth.models import User
from app.errors import DomainError
from app.extensions import db
from app.improvement import queries, service
from app.improvement.forms import (
    ACTION_LABELS,
    KIND_LABELS,
    RELATION_LABELS,
    STATE_LABELS,
    STATUS_LABELS,
    TYPE_LABELS,
    CsrfForm,
)
from app.improvement.states import allowed_actions
from app.request_args import int_arg, text_arg

bp = Blueprint("plans", __name__, url_prefix="/plans")
CREATE_FIELDS = (
    "kind",
    "title",
    "problem",
    "root_cause",
    "goal",
    "features",
    "approach",
    "test_plan",
    "check_date",
    "release_date",
    "product",
    "department",
)


@bp.app_context_processor
def _labels():
    return {
        "PLAN_KIND_LABELS": KIND_LABELS,
        "PLAN_STATE_LABELS": STATE_LABELS,
        "PLAN_ACTION_LABELS": ACTION_LABELS,
        "MEASURE_TYPE_LABELS": TYPE_LABELS,
        "MEASURE_STATUS_LABELS": STATUS_LABELS,
        "PLAN_RELATION_LABELS": RELATION_LABELS,
    }


def _form_data(names) -> dict:
    return {name: request.form.get(name, "") for name in names if name in request.form}


@bp.get("/")
@login_required
def index():
    page = int_arg("page", 1)
    mine = request.args.get("mine") == "1"
    items, total = queries.list_plans(
        current_user,
        kind=text_arg("kind", limits.FILTER),
        state=text_arg("state", limits.FILTER),
        owner_id=current_user.id if mine else None,
        page=page,
        per_page=25,
    )
    return render_template("improvement/list.html", plans=items, total=total, page=page, mine=mine)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = CsrfForm()
    issue_ids = [int(i) for i in request.values.getlist("issue_id") if i.isdigit()]
    if request.method == "POST" and form.validate_on_submit():
        data = _form_data(CREATE_FIELDS)
        data["issue_ids"] = issue_ids
        try:
            plan = service.create_plan(current_user, data)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template(
                "improvement/new.html", form=form, issue_ids=issue_ids, values=request.form
            ), exc.status
        db.session.commit()
        flash(_("Plan #%(id)s drawn up.", id=plan.id), "success")
        return redirect(url_for("plans.detail", plan_id=plan.id))
    return render_template("improvement/new.html", form=form, issue_ids=issue_ids, values={})


@bp.get("/<int:plan_id>")
@login_required
def detail(plan_id: int):
    plan = service.get_plan(current_user, plan_id)
    actions = {
        a.value for a in allowed_actions(plan.kind, plan.state, service.context_for(current_user, plan))
    }
    if actions & {"check_effective", "check_ineffective"}:
        actions = (actions - {"check_effective", "check_ineffective"}) | {"check"}
    actions.discard("revise")
    allowed = service.allowed_owner_departments(plan)
    owners = [
        u
        for u in db.session.query(User).filter(User.active.is_(True)).order_by(User.name)
        if u.department.code in allowed
    ]
    return render_template(
        "improvement/detail.html",
        plan=plan,
        form=CsrfForm(),
        actions=[a for a in ACTION_LABELS if a in actions],
        owners=owners,
        types=service.measure_types(plan.kind),
        history=service.history(current_user, plan),
        documents=service.visible_documents(current_user, plan),
        may_progress=lambda m: service.may_report_progress(current_user, m),
        may_edit=service.may_edit(current_user, plan),
    )


def _back(plan_id: int):
    return redirect(url_for("plans.detail", plan_id=plan_id))


def _run(plan_id: int, change, success: str):
    plan = service.get_plan(current_user, plan_id)  # 404 for a plan the caller may not see
    if not CsrfForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return _back(plan_id)
    try:
        change(plan)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back(plan_id)
    db.session.commit()
    flash(success, "success")
    return _back(plan_id)


@bp.post("/<int:plan_id>/act/<action>")
@login_required
def act(plan_id: int, action: str):
    effective = {"yes": True, "no": False}.get(request.form.get("effective", ""))
    return _run(
        plan_id,
        lambda plan: service.act(
            plan,
            action,
            actor=current_user,
            comment=request.form.get("comment", ""),
            effective=effective,
            password=request.form.get("password") or None,
        ),
        _("The plan was updated."),
    )


@bp.post("/<int:plan_id>/edit")
@login_required
def edit(plan_id: int):
    data = _form_data(("title", "problem", "root_cause", "goal", "check_date"))
    if data.get("check_date") == "":
        data.pop("check_date")
    return _run(
        plan_id, lambda plan: service.update_plan(current_user, plan, data), _("The plan was updated.")
    )


@bp.post("/<int:plan_id>/measures")
@login_required
def add_measure(plan_id: int):
    data = _form_data(("type", "description", "due_date"))
    owner = request.form.get("owner_id", "")
    data["owner_id"] = int(owner) if owner.isdigit() else owner
    return _run(plan_id, lambda plan: service.add_measure(current_user, plan, data), _("Action added."))


@bp.post("/<int:plan_id>/measures/<int:measure_id>")
@login_required
def progress(plan_id: int, measure_id: int):
    data = _form_data(("status", "progress"))
    return _run(
        plan_id,
        lambda plan: service.update_measure(current_user, plan, measure_id, data),
        _("Progress recorded."),
    )


@bp.post("/<int:plan_id>/documents")
@login_required
def link(plan_id: int):
    document_id, version = request.form.get("document_id", ""), request.form.get("version", "")
    if not (document_id.isdigit() and version.isdigit()):
        flash(_("Give a document number and a version."), "error")
        return _back(plan_id)
    return _run(
        plan_id,
        lambda plan: service.link_document(
            current_user, plan, int(document_id), int(version), request.form.get("relation", "")
        ),
        _("Document version linked."),
    )


def _metrics_panel(start, end):
    from app.clock import company_days
    from app.improvement import metrics

    result = metrics.compute(*company_days(start, end))
    return "improvement/_metrics_panel.html", {"pm": result}


def _inbox_panel():
    from app.issues.queries import IssueFilter, all_issues
    from app.issues.workflow import OPEN_STATES

    assigned = [
        i for i in all_issues(IssueFilter(assigned_to=current_user.id, sort="due")) if i.state in OPEN_STATES
    ]
    return "improvement/_inbox_panel.html", {"assigned": assigned, **queries.waiting_for(current_user)}


def init_app(app) -> None:
    hooks.register(app, "metrics_panel", _metrics_panel)
    hooks.register(app, "inbox_panel", _inbox_panel)
