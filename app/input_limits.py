"""Bounds on every request's input, checked before any view reads it.

A JSON body larger than ``JSON_MAX_BYTES`` is refused (413 ``body_too_large``)
before it is parsed; one nested deeper than ``JSON_MAX_DEPTH`` (400
``input_too_deep``) or that is not UTF-8 (400 ``invalid_encoding``) is refused
once parsed. A lone surrogate escape ("\\ud800") in a JSON string is invalid UTF-8
too. A NUL character in any text the request carries (query string,
form fields, JSON strings) is refused (400 ``invalid_character``): no text
column can hold it (PostgreSQL refuses it), so it is bad input rather than a
database error. Files in multipart uploads are bytes and are not looked at.
"""

from __future__ import annotations

import json
import re

from flask import Flask, request

from app.errors import N_, DomainError

JSON_TYPES = ("application/json",)
# Lone surrogates: a JSON escape such as "\\ud800" decodes to one, and no
# UTF-8 text (nor PostgreSQL) can hold it.
_SURROGATE = re.compile("[\ud800-\udfff]")


class BodyTooLarge(DomainError):
    status = 413
    code = "body_too_large"


class InputTooDeep(DomainError):
    status = 400
    code = "input_too_deep"


class InvalidEncoding(DomainError):
    status = 400
    code = "invalid_encoding"


class InvalidCharacter(DomainError):
    status = 400
    code = "invalid_character"


def _is_json() -> bool:
    mimetype = request.mimetype or ""
    return mimetype in JSON_TYPES or mimetype.endswith("+json")


def _walk(value, max_depth: int) -> None:
    """Depth and NUL check of a parsed JSON value, without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise InvalidCharacter(_NUL_MESSAGE)
            if _SURROGATE.search(item):
                raise InvalidEncoding(N_("the request body is not valid UTF-8"))
            continue
        if isinstance(item, (dict, list)):
            if depth > max_depth:
                raise InputTooDeep(N_("the request is nested deeper than %(limit)s levels"), limit=max_depth)
            children = list(item.keys()) + list(item.values()) if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


_NUL_MESSAGE = N_("the request contains a NUL character, which text cannot hold")


def check_json_body(app: Flask) -> None:
    limit = app.config["JSON_MAX_BYTES"]
    length = request.content_length
    if length is not None and length > limit:
        raise BodyTooLarge(N_("the JSON body is larger than the %(limit)s KB limit"), limit=limit // 1024)
    # Without a Content-Length (chunked), read at most the limit plus one byte.
    raw = request.stream.read(limit + 1) if length is None else request.get_data(cache=True)
    if len(raw) > limit:
        raise BodyTooLarge(N_("the JSON body is larger than the %(limit)s KB limit"), limit=limit // 1024)
    if length is None:
        request._cached_data = raw  # what get_data() returns to the parsers after us
    if not raw.strip():
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidEncoding(N_("the request body is not valid UTF-8")) from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise InputTooDeep(
            N_("the request is nested deeper than %(limit)s levels"), limit=app.config["JSON_MAX_DEPTH"]
        ) from None
    except ValueError:
        return  # not JSON: the route's parser answers 400 as for any malformed body
    _walk(value, app.config["JSON_MAX_DEPTH"])


def init_app(app: Flask) -> None:
    app.config.setdefault("JSON_MAX_BYTES", 1024 * 1024)
    app.config.setdefault("JSON_MAX_DEPTH", 32)

    @app.before_request
    def _bound_input():
        for values in (request.args, request.form if not _is_json() else None):
            if values is None:
                continue
            for key, value in values.items(multi=True):
                if "\x00" in key or "\x00" in value:
                    raise InvalidCharacter(_NUL_MESSAGE)
        if _is_json() and request.method in ("POST", "PUT", "PATCH", "DELETE"):
            check_json_body(app)
