"""Login, logout, profile (API tokens) and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app.audit import record_event
from app.auth import service
from app.auth.forms import LoginForm, PasswordChangeForm, TokenForm
from app.auth.models import ApiToken
from app.auth.throttle import TooManyAttempts
from app.errors import ValidationFailed
from app.extensions import db
from app.i18n import LOCALES
from app.security import throttle_login

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths: no open redirect through ?next=.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.dashboard")


def _new_csrf_secret() -> None:
    # Flask-WTF keeps its secret in the session (and caches it on g): a
    # token taken before login or logout is worth nothing after it.
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)


def _start_session(user) -> None:
    session.permanent = True  # PERMANENT_SESSION_LIFETIME: an idle session ends
    login_user(user)
    _new_csrf_secret()


@bp.route("/login", methods=["GET", "POST"])
@throttle_login
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = service.authenticate(form.email.data, form.password.data, request.remote_addr or "")
        except TooManyAttempts as exc:
            flash(exc.message, "error")
            return render_template("auth/login.html", form=form), 429
        if user is None:
            flash(_("Wrong email or password."), "error")
            return render_template("auth/login.html", form=form), 401
        _start_session(user)
        record_event(user, "login", user)
        db.session.commit()
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    # Ends this user's sessions everywhere: a copied cookie is worthless.
    service.end_sessions(current_user)
    record_event(current_user, "logout", current_user)
    db.session.commit()
    logout_user()
    session.pop("locale", None)
    _new_csrf_secret()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        try:
            service.change_password(
                current_user, form.current_password.data, form.new_password.data, request.remote_addr or ""
            )
        except TooManyAttempts as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("auth/password.html", form=form), 429
        except ValidationFailed as exc:
            db.session.rollback()
            message = (
                _("The current password is wrong.")
                if exc.field == "current_password"
                else _("The new password must have at least %(n)s characters.", n=service.MIN_PASSWORD_LENGTH)
            )
            flash(message, "error")
            return render_template("auth/password.html", form=form), 400
        db.session.commit()
        # Every other session of this user has ended; this one goes on.
        _start_session(current_user._get_current_object())
        flash(_("Password changed. You were signed out everywhere else."), "success")
        return redirect(url_for("auth.profile"))
    if form.is_submitted():
        status = 400
    return render_template("auth/password.html", form=form), status


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        new_token = service.create_token(current_user, form.name.data or "web")
        db.session.commit()
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    return render_template("auth/profile.html", form=form, tokens=tokens, new_token=new_token)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    service.revoke_token(current_user, token_id)
    db.session.commit()
    flash(_("Token revoked."), "info")
    return redirect(url_for("auth.profile"))


@bp.post("/language/<code>")
def set_language(code: str):
    if code not in LOCALES:
        abort(404)
    session["locale"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
