"""One place mapping errors to responses: JSON under /api, HTML elsewhere."""

from __future__ import annotations

import errno

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from app.errors import DomainError
from app.extensions import db

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "file_too_large",
    415: "unsupported_file_type",
    422: "invalid_field",
    429: "too_many_requests",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, field: str | None = None):
    if wants_json():
        body = {"error": {"code": code, "message": message}}
        if field:
            body["error"]["field"] = field
        return jsonify(body), status
    return render_template("errors.html", status=status, message=message), status


def _messages_to_text(messages) -> tuple[str, str | None]:
    """webargs' nested {"location": {"field": ["msg"]}} -> 'field: msg'."""
    parts, first_field = [], None
    for _location, per_field in (messages or {}).items():
        if not isinstance(per_field, dict):
            parts.append(str(per_field))
            continue
        for field, msgs in per_field.items():
            first_field = first_field or field
            text = "; ".join(
                m if isinstance(m, str) else str(m) for m in (msgs if isinstance(msgs, list) else [msgs])
            )
            parts.append(f"{field}: {text}")
    return ", ".join(parts) or "invalid request", first_field


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that matches only what a BIGINT column can hold: a
    larger id cannot exist, so it is a 404 like any unknown id."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def install_converters(app: Flask) -> None:
    """Before any route is added (rules bind their converters when added)."""
    app.url_map.converters["int"] = BoundedIntConverter


def init_app(app: Flask) -> None:
    from app import input_limits

    input_limits.init_app(app)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(exc):
        # The database went away (restart, failover, network): tell the
        # client to retry; the pool checks connections before use
        # (pool_pre_ping), so the service recovers on its own.
        app.logger.warning("database unavailable: %s", str(exc).splitlines()[0])
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection is already gone
            db.session.invalidate()
        message = "the database is unavailable; try again in a few seconds"
        if wants_json():
            response = jsonify({"error": {"code": "database_unavailable", "message": message}})
        else:
            # No template: rendering the layout would ask the database for the user.
            response = app.response_class(
                f"<!doctype html><title>503</title><p>{message}</p>", mimetype="text/html"
            )
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(OSError)
    def _os_error(exc: OSError):
        # The storage filesystem (or the database's, on SQLite) is full: the
        # writer removed its partial file and the transaction rolls back, so
        # nothing is half-written; 507 tells the client to try again later.
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise exc
        app.logger.error("storage full: %s", exc)
        db.session.rollback()
        return error_response(
            507,
            "storage_full",
            _("the storage is full; the file was not saved, try again later or ask an administrator"),
        )

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def _out_of_range(exc):
        # A number in the query or body that the database cannot store (SQLite
        # raises OverflowError, PostgreSQL a DataError): bad input, not a crash.
        db.session.rollback()
        return error_response(400, "invalid_field", "a number in the request is out of range")

    @app.errorhandler(RecursionError)
    def _too_deep(exc):
        # A JSON body nested a thousand levels deep (the JSON parser recurses
        # per level) or a query nested as deep: bad input, not a crash.
        db.session.rollback()
        return error_response(400, "input_too_deep", _("the request is nested too deeply to read"))

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        db.session.rollback()
        return error_response(exc.status, exc.code, exc.message, exc.field)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        db.session.rollback()
        status = exc.code or 500
        data = getattr(exc, "data", None) or {}
        if status == 422 and "messages" in data:
            # Schema validation: a bad field is bad input, 400 naming it.
            message, field = _messages_to_text(data["messages"])
            return error_response(400, "invalid_field", message, field)
        if status == 400 and exc.description and "CSRF" in str(exc.description):
            return error_response(400, "csrf_failed", str(exc.description))
        message = data.get("message") or exc.description or exc.name
        if status == 413:
            limit_mb = app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
            message = f"file is larger than the {limit_mb} MB limit"
        return error_response(status, _HTTP_CODES.get(status, "error"), str(message))
