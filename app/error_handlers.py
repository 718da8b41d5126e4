"""One place mapping errors to responses: JSON under /api, HTML elsewhere."""

from __future__ import annotations

import errno
import re

from flask import Flask, jsonify, render_template, request
from flask_babel import get_locale
from sqlalchemy.exc import DataError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from app.errors import N_, DomainError
from app.extensions import db
from app.i18n import english, translated

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


# Werkzeug's and Flask-WTF's own texts are English only: each status gets a
# message of ours from the catalogue instead.
_HTTP_MESSAGES = {
    400: N_("The request could not be understood; check what was sent and try again."),
    401: N_("Please log in to access this page."),
    403: N_("You do not have permission to do this."),
    404: N_("The page or item you asked for does not exist; if you typed the address, check it."),
    405: N_("This address does not accept this kind of request."),
    409: N_("The request conflicts with the current state; reload and try again."),
    413: N_("file is larger than the %(limit_mb)s MB limit"),
    415: N_("unsupported file type"),
    429: N_("Too many requests; wait a moment and try again."),
    500: N_("Something went wrong on the server; try again later."),
    503: N_("The service is unavailable; try again in a few seconds."),
}
_CSRF_MESSAGE = N_("The form has expired or did not come from this site; reload the page and try again.")

# marshmallow's default messages (API schema validation), by their English text.
_SCHEMA_MESSAGES = {
    text: text
    for text in (
        N_("Missing data for required field."),
        N_("Field may not be null."),
        N_("Invalid value."),
        N_("Not a valid integer."),
        N_("Not a valid string."),
        N_("Not a valid boolean."),
        N_("Not a valid list."),
        N_("Not a valid date."),
        N_("Not a valid datetime."),
        N_("Not a valid email address."),
        N_("Not a valid mapping type."),
        N_("Invalid type."),
        N_("Invalid input type."),
        N_("Unknown field."),
    )
}
_SCHEMA_PATTERNS = (
    (re.compile(r"^Longer than maximum length (?P<max>\d+)\.$"), N_("Longer than maximum length %(max)s.")),
    (re.compile(r"^Shorter than minimum length (?P<min>\d+)\.$"), N_("Shorter than minimum length %(min)s.")),
    (re.compile(r"^Must be one of: (?P<choices>.*)\.$"), N_("Must be one of: %(choices)s.")),
    (
        re.compile(
            r"^Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\.$"
        ),
        N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    ),
    (
        re.compile(r"^Must be greater than or equal to (?P<min>\S+)\.$"),
        N_("Must be greater than or equal to %(min)s."),
    ),
    (
        re.compile(r"^Must be less than or equal to (?P<max>\S+)\.$"),
        N_("Must be less than or equal to %(max)s."),
    ),
)


def _json_safe(params: dict) -> dict:
    return {k: v if isinstance(v, (int, float, bool)) or v is None else str(v) for k, v in params.items()}


def _rollback() -> None:
    """Roll the failed request back, settling its language first: the
    rollback expires the signed-in user, and choosing the language after it
    would read the user and their roles back (two queries on every refused
    API call, a quarter of its time)."""
    try:
        get_locale()  # cached on the request from here on
    except SQLAlchemyError:  # the user was never loaded and the session is failed
        pass
    db.session.rollback()


def error_response(
    status: int,
    code: str,
    msgid: str,
    field: str | None = None,
    params: dict | None = None,
    *,
    localized=None,
):
    """The error as JSON under /api (``message`` in English,
    ``localized_message`` in the request's language, ``locale`` naming it)
    or as the error page in the reader's language."""
    params = params or {}
    local = localized if localized is not None else translated(msgid, params)
    if wants_json():
        body: dict = {
            "code": code,
            "message": english(msgid, params),
            "localized_message": local,
            "locale": str(get_locale() or "en"),
        }
        if params:
            body["params"] = _json_safe(params)
        if field:
            body["field"] = field
        return jsonify({"error": body}), status
    return render_template("errors.html", status=status, message=local), status


def _schema_message(text: str) -> tuple[str, dict]:
    if text in _SCHEMA_MESSAGES:
        return text, {}
    for pattern, msgid in _SCHEMA_PATTERNS:
        match = pattern.match(text)
        if match:
            return msgid, match.groupdict()
    return text, {}


def _messages_to_text(messages) -> tuple[str, str, str | None]:
    """webargs' nested {"location": {"field": ["msg"]}} -> 'field: msg' in
    English and in the request's language, and the first field."""
    parts, local_parts, first_field = [], [], None
    for _location, per_field in (messages or {}).items():
        if not isinstance(per_field, dict):
            parts.append(str(per_field))
            local_parts.append(str(per_field))
            continue
        for field, msgs in per_field.items():
            first_field = first_field or field
            texts = [
                m if isinstance(m, str) else str(m) for m in (msgs if isinstance(msgs, list) else [msgs])
            ]
            pairs = [_schema_message(t) for t in texts]
            parts.append(f"{field}: " + "; ".join(english(m, p) for m, p in pairs))
            local_parts.append(f"{field}: " + "; ".join(translated(m, p) for m, p in pairs))
    if not parts:
        return "invalid request", translated(N_("invalid request")), None
    return ", ".join(parts), ", ".join(local_parts), first_field


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
            db.session().invalidate()
        msgid = N_("the database is unavailable; try again in a few seconds")
        message = english(msgid)
        try:  # the locale may need the user, who is in the database
            local = translated(msgid)
        except Exception:  # noqa: BLE001 - fall back to English rather than fail again
            local = message
        if wants_json():
            response = jsonify(
                {"error": {"code": "database_unavailable", "message": message, "localized_message": local}}
            )
        else:
            # No template: rendering the layout would ask the database for the user.
            response = app.response_class(
                f"<!doctype html><title>503</title><p>{local}</p>", mimetype="text/html"
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
        _rollback()
        return error_response(
            507,
            "storage_full",
            N_("the storage is full; the file was not saved, try again later or ask an administrator"),
        )

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def _out_of_range(exc):
        # A number in the query or body that the database cannot store (SQLite
        # raises OverflowError, PostgreSQL a DataError): bad input, not a crash.
        _rollback()
        return error_response(400, "invalid_field", N_("a number in the request is out of range"))

    @app.errorhandler(RecursionError)
    def _too_deep(exc):
        # A JSON body nested a thousand levels deep (the JSON parser recurses
        # per level) or a query nested as deep: bad input, not a crash.
        _rollback()
        return error_response(400, "input_too_deep", N_("the request is nested too deeply to read"))

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        _rollback()
        return error_response(exc.status, exc.code, exc.msgid, exc.field, exc.params)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        _rollback()
        status = exc.code or 500
        data = getattr(exc, "data", None) or {}
        if status == 422 and "messages" in data:
            # Schema validation: a bad field is bad input, 400 naming it.
            message, local, field = _messages_to_text(data["messages"])
            return error_response(400, "invalid_field", message, field, localized=local)
        if status == 400 and exc.description and "CSRF" in str(exc.description):
            return error_response(400, "csrf_failed", _CSRF_MESSAGE)
        code = _HTTP_CODES.get(status, "error")
        if status == 413:
            limit_mb = app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
            return error_response(status, code, _HTTP_MESSAGES[413], params={"limit_mb": limit_mb})
        custom = data.get("message") or (
            exc.description if exc.description != type(exc).description else None
        )
        if custom:  # a text a view chose (none today): shown as given
            return error_response(status, code, str(custom), localized=str(custom))
        return error_response(
            status, code, _HTTP_MESSAGES.get(status, _HTTP_MESSAGES[500 if status >= 500 else 400])
        )
