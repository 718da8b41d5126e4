"""The admin page for backups."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.backup import service
from app.errors import N_, DomainError, PermissionDenied

bp = Blueprint("backup", __name__, url_prefix="/admin/backups")


@bp.before_request
@login_required
def _admins_only():
    if not current_user.has_role("admin"):
        raise PermissionDenied(N_("only administrators manage backups"))


@bp.get("/")
def index():
    root = Path(current_app.config["BACKUP_DIR"])
    last_run = json.loads((root / "last_run.json").read_text()) if (root / "last_run.json").exists() else None
    return render_template(
        "backup/index.html",
        backups=service.list_backups(root),
        form=FlaskForm(),
        last_run=last_run,
        cron=current_app.config["BACKUP_CRON"],
    )


@bp.post("/")
def create():
    if not FlaskForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for("backup.index"))
    try:
        path = service.create_backup(current_app._get_current_object())
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Backup %(name)s written and verified.", name=path.name), "success")
    return redirect(url_for("backup.index"))
