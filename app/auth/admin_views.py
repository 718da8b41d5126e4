"""Admin pages: users and departments."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length

from app.auth import service
from app.auth.models import Department, Role, User
from app.errors import N_, DomainError, PermissionDenied
from app.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "leader": _l("Leader"),
    "dept_head": _l("Department head"),
    "author": _l("Author"),
    "support": _l("Customer support"),
    "qc": _l("Quality control"),
}


class UserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    department = SelectField(_l("Department"), choices=[], validate_choice=False)
    roles = SelectMultipleField(_l("Roles"), choices=list(ROLE_LABELS.items()))
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=1024)])


class RolesForm(FlaskForm):
    roles = SelectMultipleField(_l("Roles"), choices=list(ROLE_LABELS.items()))


class DepartmentForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=16)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


@bp.before_request
@login_required
def _admins_only():
    if not current_user.has_role("admin"):
        raise PermissionDenied(N_("only administrators manage users and departments"))


def _departments():
    return db.session.scalars(select(Department).order_by(Department.code)).all()


def _attempt(action, success: str):
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return False
    db.session.commit()
    flash(success, "success")
    return True


@bp.route("/users", methods=["GET", "POST"])
def users():
    form = UserForm()
    form.department.choices = [(d.code, f"{d.code} {d.name}") for d in _departments()]
    if form.validate_on_submit():
        _attempt(
            lambda: service.create_user(
                form.email.data,
                name=form.name.data,
                department_code=form.department.data,
                roles=form.roles.data,
                password=form.password.data,
                actor=current_user,
            ),
            _("User %(email)s created.", email=form.email.data),
        )
        return redirect(url_for("admin.users"))
    people = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template(
        "admin/users.html",
        form=form,
        users=people,
        roles_form=RolesForm(),
        ROLE_LABELS=ROLE_LABELS,
        all_roles=list(Role),
    )


@bp.post("/users/<int:user_id>/roles")
def user_roles(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RolesForm()
    if form.validate_on_submit():
        _attempt(
            lambda: service.set_roles(current_user, user, form.roles.data),
            _("Roles of %(email)s updated.", email=user.email),
        )
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/active")
def user_active(user_id: int):
    user = db.get_or_404(User, user_id)
    if RolesForm().validate_on_submit():
        active = request.form.get("active") == "1"
        _attempt(
            lambda: service.set_active(current_user, user, active),
            _("%(email)s is now active.", email=user.email)
            if active
            else _("%(email)s is now deactivated.", email=user.email),
        )
    return redirect(url_for("admin.users"))


@bp.route("/departments", methods=["GET", "POST"])
def departments():
    form = DepartmentForm()
    if form.validate_on_submit():
        _attempt(
            lambda: service.create_department(form.code.data, form.name.data, actor=current_user),
            _("Department %(code)s created.", code=form.code.data.upper()),
        )
        return redirect(url_for("admin.departments"))
    return render_template("admin/departments.html", form=form, departments=_departments())
