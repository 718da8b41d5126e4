"""Pages of read-and-acknowledge: the panel on the document page (who has
and has not confirmed, the reader's own confirmation, the readers chosen),
a person's training record, the CSV exports."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import hooks
from app.auth.models import User
from app.documents import service as documents
from app.documents.policy import can_control_document
from app.errors import N_, DomainError, NotFound, PermissionDenied
from app.extensions import db
from app.training import service

bp = Blueprint("training", __name__)


def _document_panel(document):
    row = service.requirement(document)
    if row is None and not can_control_document(current_user, document):
        return None
    return "training/_document_panel.html", {
        "requirement": row,
        "tasks": service.status(document),
        "mine": service.my_task(current_user, document),
        "may_choose": can_control_document(current_user, document),
        "roles": service.ROLES,
    }


def _dashboard_panel():
    open_tasks = [
        t for t in service.training_record(current_user) if not t.done and t.version.state == "effective"
    ]
    if not open_tasks:
        return None
    return "training/_dashboard_panel.html", {"open_tasks": open_tasks}


def _back(document_id: int):
    return redirect(url_for("documents.detail", document_id=document_id))


@bp.post("/documents/<int:document_id>/acknowledge")
@login_required
def acknowledge(document_id: int):
    document = documents.get_document(current_user, document_id)
    try:
        service.acknowledge(current_user, document, request.form.get("password"))
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back(document_id)
    db.session.commit()
    flash(_("Confirmed: read and understood."), "success")
    return _back(document_id)


@bp.post("/documents/<int:document_id>/readers")
@login_required
def readers(document_id: int):
    document = documents.get_document(current_user, document_id)
    try:
        due_days = int(request.form.get("due_days") or 14)
    except ValueError:
        due_days = 0
    try:
        service.set_requirement(
            current_user,
            document,
            departments=[c.strip() for c in request.form.get("departments", "").split(",") if c.strip()],
            roles=request.form.getlist("roles"),
            training_required=bool(request.form.get("training_required")),
            due_days=due_days,
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back(document_id)
    db.session.commit()
    flash(_("Readers saved: they get a task when a version becomes effective."), "success")
    return _back(document_id)


@bp.get("/documents/<int:document_id>/acknowledgements.csv")
@login_required
def document_csv(document_id: int):
    document = documents.get_document(current_user, document_id)
    if not can_control_document(current_user, document):
        raise PermissionDenied(N_("the training record of a document is for its controllers"))
    return _csv(service.to_csv(service.document_record(document)), f"{document.number}-training.csv")


def _person(user_id: int | None) -> User:
    person = current_user if user_id is None else db.session.get(User, user_id)
    if person is None or not service.can_see_record_of(current_user, person):
        raise NotFound(N_("no such training record"))
    return person


@bp.get("/training")
@bp.get("/users/<int:user_id>/training")
@login_required
def record(user_id: int | None = None):
    person = _person(user_id)
    return render_template("training/record.html", person=person, tasks=service.training_record(person))


@bp.get("/users/<int:user_id>/training.csv")
@login_required
def person_csv(user_id: int):
    person = _person(user_id)
    return _csv(service.to_csv(service.training_record(person)), f"training-{person.id}.csv")


def _csv(data: bytes, name: str) -> Response:
    return Response(
        data, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def init_app(app) -> None:
    hooks.register(app, "document_panel", _document_panel)
    hooks.register(app, "dashboard_panel", _dashboard_panel)
