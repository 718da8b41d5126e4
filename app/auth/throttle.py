"""Password checks for login and signatures: the same cost whether or not
an account exists, and a throttle that slows a guesser without locking the
owner out.

Failed checks are counted per (account, client address) in the limiter's
storage (Redis when DOCTRACK_RATELIMIT_STORAGE_URI points there, shared by
the workers): past LOGIN_RATE_PER_ACCOUNT (default 5 per 15 minutes) that
account is refused *from that address* until the window moves on. Someone
guessing the admin's password from one machine locks only that machine out
of that account; the admin, from anywhere else, signs in as usual. Right
passwords never count. A guesser spread over many addresses is held by the
per-address limit on the login route (LOGIN_RATE_PER_ADDRESS) and by the
KDF's cost.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from limits import parse
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.models import User
from app.errors import N_, TooManyAttempts
from app.extensions import limiter

_DUMMY_HASHES: dict[str, str] = {}


def lockout_message() -> str:
    return _("Too many sign-in attempts. Wait a few minutes and try again.")


def dummy_hash() -> str:
    """A hash made with the configured method (made on first use), checked
    when there is no account so an unknown address costs what a real one does."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash("not-a-real-password", method=method)
    return _DUMMY_HASHES[method]


def _pair_key(account: str, address: str) -> tuple[str, str]:
    return ("password-failures", f"{(account or '').strip().lower()}|{address or '-'}")


def _strategy():
    if not current_app.config.get("RATELIMIT_ENABLED", True) or not limiter.enabled:
        return None
    return limiter.limiter


def check_password_throttled(
    user: User | None, password: str, address: str, *, account: str | None = None
) -> bool:
    """True when ``password`` is ``user``'s password and the user is active.

    ``address`` is the client address (``request.remote_addr``); ``account``
    is what identifies the account in the counter (defaults to the user's
    e-mail; the login form passes the e-mail as typed, so an unknown address
    is counted, and answered, exactly like a real one). Raises
    TooManyAttempts (429) before checking anything when this account has
    failed too often from this address. Exactly one hash check either way.
    """
    account = account if account is not None else (user.email if user else "")
    strategy = _strategy()
    limit = parse(current_app.config["LOGIN_RATE_PER_ACCOUNT"])
    key = _pair_key(account, address)
    if strategy is not None and not strategy.test(limit, *key):
        raise TooManyAttempts(N_("Too many sign-in attempts. Wait a few minutes and try again."))
    if user is None or not user.active:
        check_password_hash(dummy_hash(), password or "")
        ok = False
    else:
        ok = check_password_hash(user.password_hash, password or "")
    if not ok and strategy is not None:
        strategy.hit(limit, *key)
    return ok
