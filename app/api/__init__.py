"""The JSON API at /api/v1 (flask-smorest blueprints in this package).

Authentication: a Bearer token, or the browser session. A session may only
read; changes through a session need the CSRF token like any form, so a
foreign page cannot make a logged-in browser change data.
"""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.errors import N_, DomainError
from app.extensions import csrf

API_PREFIX = "/api/v1"
PUBLIC_PATHS = {f"{API_PREFIX}/health", f"{API_PREFIX}/openapi.json"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


def init_api(app: Flask) -> None:
    @app.before_request
    def _authenticate_api():
        if not request.path.startswith(API_PREFIX + "/") or request.path in PUBLIC_PATHS:
            return None
        if not current_user.is_authenticated:
            raise Unauthorized(N_("authentication required: send 'Authorization: Bearer <token>'"))
        if request.environ.get("doctrack.token_auth"):
            return None
        if request.method not in SAFE_METHODS:
            csrf.protect()
        return None

    # Token requests carry no cookies to forge; session requests are checked
    # above, so the API is exempt from the global form CSRF check.
    for blueprint_name in list(app.blueprints):
        if blueprint_name.startswith("api_"):
            csrf.exempt(app.blueprints[blueprint_name])


def api_blueprint(name: str, description: str) -> Blueprint:
    # The "api_" prefix marks blueprints for the CSRF rule in init_api.
    return Blueprint("api_" + name, __name__, description=description)


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


def page_body(items, total: int, page: int, per_page: int) -> dict:
    return {"items": items, "total": total, "page": page, "per_page": per_page}
