"""Web hardening in one place: response headers and login throttling.

Headers: a Content-Security-Policy that allows no inline script or style
(every script and stylesheet is a file served by the app; charts are SVG
with their geometry in attributes), no framing, no MIME sniffing, and HSTS
when cookies are marked Secure (the service sits behind TLS).

Login throttling: per client address here (Flask-Limiter, failed attempts
only), and per (submitted e-mail, client address) in app.auth.throttle,
whether or not an account with that address exists, so the lockout message
never tells an outsider which accounts are real and a guesser never locks
the owner out. People who type their password right are never slowed down.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from app.extensions import limiter

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def login_failed(response) -> bool:
    return response.status_code == 401


def lockout_message() -> str:
    return _("Too many sign-in attempts. Wait a few minutes and try again.")


def throttle_login(view):
    """Decorate a login view: a per-address limit on failed POSTs (the
    per-account one is app.auth.throttle, keyed by account and address)."""
    per_address = limiter.limit(
        lambda: limiter_config("LOGIN_RATE_PER_ADDRESS"),
        key_func=get_remote_address,
        methods=["POST"],
        deduct_when=login_failed,
        error_message=lockout_message,
    )
    return per_address(view)


def limiter_config(name: str) -> str:
    from flask import current_app

    return current_app.config[name]


def init_app(app: Flask) -> None:
    limiter.init_app(app)

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
