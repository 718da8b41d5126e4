"""Locale choice: the user's explicit choice, then Accept-Language."""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import current_user

LOCALES = ("zh_Hant", "zh_Hans", "en")
LOCALE_NAMES = {"zh_Hant": "繁體中文", "zh_Hans": "简体中文", "en": "English"}

# Browser language tags -> our locales. Script subtags win over regions.
_TAG_MAP = {
    "zh-hant": "zh_Hant",
    "zh-tw": "zh_Hant",
    "zh-hk": "zh_Hant",
    "zh-mo": "zh_Hant",
    "zh-hans": "zh_Hans",
    "zh-cn": "zh_Hans",
    "zh-sg": "zh_Hans",
    "zh": "zh_Hans",
    "en": "en",
}


def locale_from_tag(tag: str) -> str | None:
    tag = tag.strip().lower().replace("_", "-")
    if tag in _TAG_MAP:
        return _TAG_MAP[tag]
    if tag.startswith("zh-hant"):
        return "zh_Hant"
    if tag.startswith("zh-hans"):
        return "zh_Hans"
    base = tag.split("-")[0]
    return _TAG_MAP.get(base) if base != "zh" else "zh_Hans"


def select_locale() -> str:
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    for tag, _quality in request.accept_languages:
        locale = locale_from_tag(tag)
        if locale:
            return locale
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "en")


def english(msgid: str, params: dict | None = None) -> str:
    """A catalogue message in English (its msgid) with its params filled in
    (dates as ISO dates, times to the minute in UTC)."""
    if not params:
        return msgid
    from datetime import UTC, date, datetime

    def plain(value):
        if isinstance(value, datetime):
            return (value.astimezone(UTC) if value.tzinfo else value).strftime("%Y-%m-%d %H:%M UTC")
        return value.isoformat() if isinstance(value, date) else value

    return msgid % {k: plain(v) for k, v in params.items()}


def translated(msgid: str, params: dict | None = None) -> str:
    """``msgid`` in the request's language (English when there is no
    catalogue entry, or a translation with broken placeholders)."""
    from datetime import date

    from flask_babel import gettext

    from app.labels import Label

    # Dates among the params are shown in the reader's format, codes as labels.
    params = {
        k: format_when(v) if isinstance(v, date) else v.translated() if isinstance(v, Label) else v
        for k, v in (params or {}).items()
    }
    try:
        return gettext(msgid, **params)
    except (KeyError, ValueError, TypeError):
        return english(msgid, params)


def select_timezone() -> str:
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC")


# WTForms ships its messages in zh (Simplified) and zh_TW (Traditional); a
# lookup for "zh_Hant" would fall back to "zh" and show Simplified text on a
# Traditional page. Our locales name the catalogue to use.
_WTFORMS_CATALOGUES = {"zh_Hant": "zh_TW", "zh_Hans": "zh", "en": "en"}
_wtforms_cache: dict[str, object] = {}


def wtforms_translations():
    """Flask-WTF's translations lookup, choosing WTForms' catalogue by our
    locale (installed over ``flask_wtf.i18n._get_translations``)."""
    from babel import support
    from flask import has_request_context
    from flask_babel import get_locale
    from wtforms.i18n import messages_path

    if not has_request_context():
        return None
    catalogue = _WTFORMS_CATALOGUES.get(str(get_locale()), "en")
    if catalogue not in _wtforms_cache:
        _wtforms_cache[catalogue] = support.Translations.load(messages_path(), [catalogue], domain="wtforms")
    return _wtforms_cache[catalogue]


def install_form_translations() -> None:
    import flask_wtf.i18n

    flask_wtf.i18n._get_translations = wtforms_translations


# Dates and times: one format per locale. Babel's medium date in every
# locale; the time of day on the 24-hour clock in both Chinese locales (as
# users there read timetables), the locale's short time in English.
_TIME_PATTERNS = {"zh_Hant": "HH:mm", "zh_Hans": "HH:mm"}


def format_when(value, *, with_time: bool = True) -> str:
    """``value`` (a date, a datetime or an ISO string) in the reader's
    format; a datetime shows its time unless ``with_time`` is false. Every
    page, message and notification formats dates through here."""
    from datetime import date, datetime

    from babel.dates import get_datetime_format
    from flask_babel import format_date, format_time, get_locale

    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = (
                datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
            )
        except ValueError:
            return value
    day = format_date(value, "medium")
    if not isinstance(value, datetime) or not with_time:
        return day
    locale = get_locale()
    time = format_time(value, _TIME_PATTERNS.get(str(locale), "short"))
    return str(get_datetime_format("medium", locale=locale)).replace("{1}", day).replace("{0}", time)
