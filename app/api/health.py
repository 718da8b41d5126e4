"""Health check (no authentication)."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user
from sqlalchemy import text

from app import hooks
from app.api import api_blueprint
from app.extensions import db

blp = api_blueprint("health", "Service health")

# What anybody may read; the probes' details (index lag, the newest backup's
# name and age) are for admins only.
PUBLIC_FIELDS = ("status", "database", "index")


def _for_caller(body: dict) -> dict:
    if current_user.is_authenticated and current_user.has_role("admin"):
        return body
    return {key: body[key] for key in PUBLIC_FIELDS}


@blp.get("/health")
@blp.response(
    200,
    description="The service works; `status` is `degraded` when a feature probe "
    "(index lag, newest backup) failed or this node lost its search index (`index`: `missing`; "
    "`not built` for a new node whose indexer has not built it yet). Without an admin's login only `status`, `database` and "
    "`index`; admins also get the probes' details (index_lag, backup, backup_age_seconds, ...).",
)
@blp.alt_response(
    503,
    description="The database is unreachable: the service cannot work "
    "(load balancers take the instance out).",
)
def health():
    body = {"status": "ok", "database": "ok", "index": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - health reports, never raises
        current_app.logger.warning("health: database check failed: %s", str(exc).splitlines()[0])
        db.session.rollback()
        # The probes read the database too: nothing more to learn.
        return {
            **body,
            "status": "unavailable",
            "database": "error",
            "index": "unknown",
        }, 503  # public fields only
    for probe in hooks.registered("health_probe"):  # index lag, newest backup
        try:
            body.update(probe())
        except Exception as exc:  # noqa: BLE001
            current_app.logger.warning("health probe %s failed: %s", probe.__name__, exc)
            body["status"] = "degraded"
    return _for_caller(body)
