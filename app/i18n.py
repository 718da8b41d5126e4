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


def select_timezone() -> str:
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC")
