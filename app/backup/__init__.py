"""Backups: create, verify, restore, prune, and the scheduler."""

from __future__ import annotations

from flask import Flask, current_app

from app import hooks


def init_app(app: Flask) -> None:
    hooks.register(app, "health_probe", _health)


def _health() -> dict:
    from app.backup.service import newest_good

    newest = newest_good(current_app.config["BACKUP_DIR"])
    if newest is None:
        return {"backup": "none", "backup_age_seconds": None}
    return {"backup": newest.name, "backup_age_seconds": round(newest.age_seconds)}
