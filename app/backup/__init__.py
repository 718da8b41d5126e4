"""Backups: create, verify, restore, prune, and the scheduler."""

from __future__ import annotations

from flask import Flask, current_app


def init_app(app: Flask) -> None:
    from app.api.health import HEALTH_PROBES

    if _health not in HEALTH_PROBES:  # create_app may run many times in one process
        HEALTH_PROBES.append(_health)


def _health() -> dict:
    from app.backup.service import newest_good

    newest = newest_good(current_app.config["BACKUP_DIR"])
    if newest is None:
        return {"backup": "none", "backup_age_seconds": None}
    return {"backup": newest.name, "backup_age_seconds": round(newest.age_seconds)}
