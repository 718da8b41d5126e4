"""Query parameters of the HTML pages: a value that does not parse is a
400 naming the parameter, never a 500 and never silently another value."""

from __future__ import annotations

from datetime import date

from flask import request

from app.errors import N_, ValidationFailed

MAX_INT = 10**9


def int_arg(name: str, default: int | None = None, *, minimum: int = 1, maximum: int = MAX_INT) -> int | None:
    raw = request.args.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not minimum <= value <= maximum:
        raise ValidationFailed(
            N_("The parameter %(name)s must be a whole number from %(min)s to %(max)s."),
            field=name,
            name=name,
            min=minimum,
            max=maximum,
        )
    return value


def date_arg(name: str, default: date | None = None) -> date | None:
    raw = request.args.get(name, "").strip()
    if raw == "":
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            N_("The parameter %(name)s must be a date (YYYY-MM-DD)."), field=name, name=name
        ) from None


def text_arg(name: str, limit: int, default: str | None = None) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if len(raw) > limit:
        raise ValidationFailed(
            N_("The parameter %(name)s is longer than %(max)s characters."), field=name, name=name, max=limit
        )
    return raw
