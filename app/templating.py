"""Template globals and filters."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_decimal, get_locale

from app.i18n import LOCALE_NAMES, LOCALES, format_when
from app.labels import label


def init_app(app: Flask) -> None:
    # One date/time format per locale (app.i18n.format_when).
    app.jinja_env.filters["datetime"] = format_when
    app.jinja_env.filters["date"] = lambda v: format_when(v, with_time=False)
    app.jinja_env.filters["number"] = lambda v: format_decimal(v) if v is not None else ""
    app.jinja_env.filters["filesize"] = _filesize
    app.jinja_env.filters["label"] = label

    @app.context_processor
    def _globals():
        return {
            "locales": [(code, LOCALE_NAMES[code]) for code in LOCALES],
            "current_locale": str(get_locale()),
            "url_map_endpoints": app.view_functions.keys(),
        }


def _filesize(size: float | None) -> str:
    if size is None:
        return ""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{format_decimal(size if unit == 'B' else round(size, 1))} {unit}"
        size /= 1024
    return ""
