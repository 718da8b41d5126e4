"""Problem-report pages: list, record, detail with actions, metrics."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import hooks, limits
from app.auth.models import User
from app.clock import company_days, company_today
from app.errors import DomainError
from app.extensions import db
from app.issues import customer as customer_side
from app.issues import export, metrics, queries, service
from app.issues import relations as issue_relations
from app.issues.forms import (
    ACTION_LABELS,
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    RELATION_LABELS,
    SEVERITY_LABELS,
    SOURCE_LABELS,
    STATE_LABELS,
    ActionForm,
    AttachmentForm,
    CommentForm,
    IssueForm,
    LinkForm,
    UnlinkForm,
)
from app.issues.workflow import allowed_actions
from app.request_args import date_arg, int_arg, text_arg

bp = Blueprint("issues", __name__, url_prefix="/issues")

FILTER_KEYS = ("state", "category", "severity", "department", "product", "source")


@bp.app_context_processor
def _labels():
    return {
        "ISSUE_STATE_LABELS": STATE_LABELS,
        "ISSUE_CATEGORY_LABELS": CATEGORY_LABELS,
        "SEVERITY_LABELS": SEVERITY_LABELS,
        "SOURCE_LABELS": SOURCE_LABELS,
        "ACTION_LABELS": ACTION_LABELS,
        "RELATION_LABELS": RELATION_LABELS,
    }


def _filter_from_args() -> queries.IssueFilter:
    return queries.IssueFilter(
        **{key: text_arg(key, limits.FILTER) for key in FILTER_KEYS},
        overdue=request.args.get("overdue") == "1",
        sort=text_arg("sort", limits.FILTER, "created") or "created",
        assigned_to=current_user.id if request.args.get("mine") == "1" else None,
    )


@bp.get("/")
@login_required
def index():
    from app.workday.listing import Paging, choice_arg, per_page_arg

    choice_arg("sort", tuple(queries.SORTS), "created")
    flt = _filter_from_args()
    page = int_arg("page", 1)
    per_page = per_page_arg()
    items, total = queries.list_issues(flt, page, per_page)
    return render_template(
        "issues/list.html",
        issues=items,
        total=total,
        page=page,
        per_page=per_page,
        paging=Paging(page, per_page, total),
        flt=flt,
        departments=service.departments(),
        is_overdue=queries.is_overdue,
    )


@bp.get("/export.csv")
@login_required
def export_csv():
    body = export.to_csv(queries.all_issues(_filter_from_args()), current_user)
    return Response(
        body,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": "attachment; filename=problem-reports.csv"},
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = IssueForm()
    if form.validate_on_submit():
        try:
            issue = service.create_issue(
                current_user,
                {
                    name: form[name].data
                    for name in (
                        "title",
                        "phenomenon",
                        "found_at",
                        "found_by",
                        "location",
                        "scope",
                        "source",
                        "customer_ref",
                        "product",
                    )
                },
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("issues/new.html", form=form), exc.status
        db.session.commit()
        flash(_("Problem report #%(id)s recorded.", id=issue.id), "success")
        return redirect(url_for("issues.detail", issue_id=issue.id))
    return render_template("issues/new.html", form=form)


@bp.get("/<int:issue_id>")
@login_required
def detail(issue_id: int):
    issue = service.get_issue(issue_id)
    action_form = ActionForm()
    action_form.department.choices = [("", "")] + [
        (d.code, f"{d.code} {d.name}") for d in service.departments()
    ]
    # Closing as a duplicate is done by relating the report (app.issues.relations), not a button here.
    actions = [
        a.value
        for a in allowed_actions(issue.state, service.context_for(current_user, issue))
        if a.value != "close_duplicate"
    ]
    similar = _similar(issue)
    people: dict[str, Any] = {
        "may_assign": customer_side.may_assign(current_user, issue),
        "may_form_team": customer_side.may_form_team(current_user, issue) and issue.department_id is not None,
        "may_see_contact": customer_side.may_see_contact(current_user, issue),
        "may_reply": customer_side.is_customer_service(current_user)
        or customer_side.is_responsible(current_user, issue),
        "may_follow_up": customer_side.is_customer_service(current_user),
    }
    if people["may_assign"] or people["may_form_team"]:
        people["users"] = db.session.scalars(
            select(User).where(User.active.is_(True)).order_by(User.name)
        ).all()
    return render_template(
        "issues/detail.html",
        issue=issue,
        actions=actions,
        action_form=action_form,
        comment_form=CommentForm(),
        attachment_form=AttachmentForm(),
        link_form=LinkForm(),
        unlink_form=UnlinkForm(),
        links=service.visible_links(current_user, issue),
        overdue=queries.is_overdue(issue),
        similar=similar,
        people=people,
        CHANNEL_LABELS=CHANNEL_LABELS,
        related=issue_relations.related(issue),
        history=_history(issue),
    )


def _history(issue) -> list[tuple[Any, Any]]:
    """The report's history as (event, document named by it or None), the
    events naming a document the reader may not see left out."""
    from app.documents.models import Document

    events = service.visible_history(current_user, issue)
    named = {(e.details or {}).get("document_id") for e in events} - {None}
    documents: dict[Any, Document] = (
        {d.id: d for d in db.session.scalars(select(Document).where(Document.id.in_(named)))} if named else {}
    )
    return [(e, documents.get((e.details or {}).get("document_id"))) for e in events]


def _similar(issue):
    try:
        from app.search.service import similar_issues
    except ImportError:
        return None
    return similar_issues(current_user, issue.id, limit=5)


def _back(issue_id: int):
    return redirect(url_for("issues.detail", issue_id=issue_id))


@bp.post("/<int:issue_id>/act/<action>")
@login_required
def act(issue_id: int, action: str):
    issue = service.get_issue(issue_id)
    form = ActionForm()
    form.department.choices = [("", "")] + [(d.code, d.code) for d in service.departments()]
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return _back(issue_id)
    fields = {
        name: form[name].data
        for name in ("category", "severity", "department", "analysis", "resolution")
        if form[name].data not in (None, "")
    }
    try:
        service.act(issue, action, actor=current_user, comment=form.comment.data, fields=fields)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back(issue_id)
    db.session.commit()
    flash(_("Report #%(id)s is now %(state)s.", id=issue.id, state=STATE_LABELS[issue.state]), "success")
    return _back(issue_id)


@bp.post("/<int:issue_id>/comments")
@login_required
def comment(issue_id: int):
    issue = service.get_issue(issue_id)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            service.add_comment(current_user, issue, form.body.data)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return _back(issue_id)
        db.session.commit()
    else:
        flash(_("A progress note needs 1 to %(max)s characters.", max=limits.COMMENT), "error")
    return _back(issue_id)


@bp.post("/<int:issue_id>/attachments")
@login_required
def attach(issue_id: int):
    from app.issues import attachments

    issue = service.get_issue(issue_id)
    form = AttachmentForm()
    upload = request.files.get("file")
    if not form.validate_on_submit() or upload is None or not upload.filename:
        flash(_("Choose a file to attach."), "error")
        return _back(issue_id)
    try:
        attachment = attachments.add_attachment(
            current_user, issue, upload.stream, upload.filename, remove_gps=bool(form.remove_gps.data)
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back(issue_id)
    db.session.commit()
    flash(_("%(name)s attached.", name=attachment.filename), "success")
    return _back(issue_id)


@bp.get("/<int:issue_id>/attachments/<int:attachment_id>")
@login_required
def attachment_file(issue_id: int, attachment_id: int):
    from app.issues import attachments

    return attachments.send_attachment(attachments.get_attachment(current_user, issue_id, attachment_id))


@bp.post("/<int:issue_id>/links")
@login_required
def link(issue_id: int):
    issue = service.get_issue(issue_id)
    form = LinkForm()
    if form.validate_on_submit():
        from app.workday.service import document_ref

        try:
            service.add_link(
                current_user,
                issue,
                document_ref(current_user, form.document_id.data),
                form.version.data,
                form.relation.data,
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return _back(issue_id)
        db.session.commit()
    else:
        flash(_("Give a document number and a version."), "error")
    return _back(issue_id)


@bp.post("/<int:issue_id>/links/<int:link_id>/delete")
@login_required
def unlink(issue_id: int, link_id: int):
    issue = service.get_issue(issue_id)
    view = next((v for v in service.visible_links(current_user, issue) if v.link.id == link_id), None)
    name = f"{view.document.number} {view.document.title} v{view.number}" if view else ""
    # A link the reader cannot see goes straight to the service, which refuses it.
    if view is not None and request.form.get("confirm") != "yes":
        # One click does not unlink: a page asks first (works without JavaScript).
        return render_template(
            "confirm.html",
            title=_("Remove the link?"),
            question=_("Remove the link from report #%(id)s to %(document)s?", id=issue.id, document=name),
            button=_("Yes, remove the link"),
            action=url_for("issues.unlink", issue_id=issue_id, link_id=link_id),
            cancel=url_for("issues.detail", issue_id=issue_id),
        )
    if UnlinkForm().validate_on_submit():
        try:
            service.remove_link(current_user, issue, link_id)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return _back(issue_id)
        db.session.commit()
        if view is not None:
            flash(
                _("Link to %(document)s removed; the report's history keeps the entry.", document=name),
                "success",
            )
    return _back(issue_id)


def _change(issue_id: int, change, success: str):
    if not UnlinkForm().validate_on_submit():  # the CSRF token only
        flash(_("The form expired; please try again."), "error")
        return _back(issue_id)
    try:
        change(service.get_issue(issue_id))
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back(issue_id)
    db.session.commit()
    flash(success, "success")
    return _back(issue_id)


def _ids(name: str) -> list[int]:
    return [int(v) for v in request.form.getlist(name) if v.isdigit()]


@bp.post("/<int:issue_id>/people")
@login_required
def people(issue_id: int):
    data: dict[str, Any] = {}
    if "assignee_id" in request.form:
        value = request.form["assignee_id"]
        data["assignee_id"] = int(value) if value.isdigit() else None
    if "team" in request.form:
        data["team_ids"] = _ids("team_ids")
    return _change(
        issue_id,
        lambda issue: customer_side.assign(current_user, issue, **data),
        _("Responsible people recorded."),
    )


@bp.post("/<int:issue_id>/customer")
@login_required
def customer(issue_id: int):
    return _change(
        issue_id,
        lambda issue: customer_side.set_customer_details(
            current_user,
            issue,
            channel=request.form.get("channel", ""),
            contact=request.form.get("contact", ""),
        ),
        _("Customer details recorded."),
    )


@bp.post("/<int:issue_id>/replies")
@login_required
def reply(issue_id: int):
    accepted = {"yes": True, "no": False}.get(request.form.get("accepted", ""))
    data = {
        "text": request.form.get("text", ""),
        "remedy": request.form.get("remedy", ""),
        "sent_at": request.form.get("sent_at", ""),
        "accepted": accepted,
    }
    return _change(
        issue_id,
        lambda issue: customer_side.add_reply(current_user, issue, data),
        _("Reply to the customer recorded."),
    )


@bp.post("/<int:issue_id>/follow-ups")
@login_required
def follow_up(issue_id: int):
    score = request.form.get("score", "")
    data = {"score": int(score) if score.isdigit() else score, "comment": request.form.get("comment", "")}
    return _change(
        issue_id,
        lambda issue: customer_side.add_follow_up(current_user, issue, data),
        _("Follow-up call recorded."),
    )


@bp.get("/metrics")
@login_required
def metrics_page():
    end = date_arg("to", company_today())
    start = date_arg("from", end - timedelta(days=90))
    result = metrics.compute(*company_days(start, end))
    panels = [panel(start, end) for panel in hooks.registered("metrics_panel")]
    return render_template(
        "issues/metrics.html", m=result, start=start, end=end, panels=[p for p in panels if p]
    )


def _dashboard_panel():
    return "issues/_dashboard_panel.html", {
        "my_department": queries.open_for_department(current_user.department_id),
        "overdue_mine": queries.overdue_count(current_user.department_id),
        "overdue_all": queries.overdue_count(),
    }


def _document_panel(document):
    return "issues/_document_panel.html", {"linked_issues": queries.issues_linked_to_document(document)}


def init_app(app) -> None:
    hooks.register(app, "dashboard_panel", _dashboard_panel)
    hooks.register(app, "document_panel", _document_panel)
