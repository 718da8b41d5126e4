"""Backup routes of the JSON API (admins only)."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user
from marshmallow import Schema, fields

from app.api import api_blueprint
from app.backup import service
from app.errors import N_, PermissionDenied

blp = api_blueprint("backups", "Backups (admin)")


class BackupSchema(Schema):
    name = fields.String()
    created_at = fields.String()
    size = fields.Integer()
    age_seconds = fields.Integer()
    verified = fields.Boolean(allow_none=True)
    verified_at = fields.String(allow_none=True)


class BackupListSchema(Schema):
    items = fields.List(fields.Nested(BackupSchema))


def _require_admin() -> None:
    if not current_user.has_role("admin"):
        raise PermissionDenied(N_("only administrators manage backups"))


@blp.get("/backups")
@blp.response(200, BackupListSchema)
def list_backups():
    _require_admin()
    return {"items": [b.as_dict() for b in service.list_backups(current_app.config["BACKUP_DIR"])]}


@blp.post("/backups")
@blp.response(201, BackupSchema)
def create_backup():
    _require_admin()
    path = service.create_backup(current_app._get_current_object())
    info = next(b for b in service.list_backups(path.parent) if b.name == path.name)
    return info.as_dict()
