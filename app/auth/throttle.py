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

import hmac
import secrets
import time

from flask import current_app
from flask_babel import gettext as _
from limits import parse
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.models import User
from app.errors import N_, TooManyAttempts
from app.extensions import limiter

_DUMMY_HASHES: dict[str, str] = {}
# Signatures: a password this process verified for a user a moment ago is
# recognised by a keyed digest (HMAC-SHA256 with a per-process random key,
# never stored) instead of a second scrypt run (~150-280 ms of CPU each, half
# of the server's CPU on the load-test mix). The digest covers the stored
# hash, so a password change ends it; it lasts SIGNATURE_PASSWORD_CACHE_S
# (300 s; 0 turns it off). Wrong passwords always take the full check.
_VERIFIED: dict[int, tuple[bytes, float]] = {}
_VERIFIED_KEY = secrets.token_bytes(32)


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


def _verified_digest(user: User, password: str) -> bytes:
    message = f"{user.id}\0{user.password_hash}\0{password}".encode()
    return hmac.new(_VERIFIED_KEY, message, "sha256").digest()


def _recently_verified(user: User, password: str) -> bool:
    entry = _VERIFIED.get(user.id)
    if entry is None or entry[1] < time.monotonic():
        return False
    return hmac.compare_digest(entry[0], _verified_digest(user, password))


def _remember_verified(user: User, password: str) -> None:
    ttl = current_app.config.get("SIGNATURE_PASSWORD_CACHE_S", 300)
    if ttl <= 0:
        return
    now = time.monotonic()
    for user_id, (_digest, until) in list(_VERIFIED.items()):
        if until < now:
            _VERIFIED.pop(user_id, None)
    _VERIFIED[user.id] = (_verified_digest(user, password), now + ttl)


def check_password_throttled(
    user: User | None, password: str, address: str, *, account: str | None = None, reuse: bool = False
) -> bool:
    """True when ``password`` is ``user``'s password and the user is active.

    ``address`` is the client address (``request.remote_addr``); ``account``
    is what identifies the account in the counter (defaults to the user's
    e-mail; the login form passes the e-mail as typed, so an unknown address
    is counted, and answered, exactly like a real one). Raises
    TooManyAttempts (429) before checking anything when this account has
    failed too often from this address. Exactly one hash check either way.
    ``reuse`` (signatures): a password verified for this user within
    SIGNATURE_PASSWORD_CACHE_S is recognised without a second hash check.
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
    elif (
        reuse
        and current_app.config.get("SIGNATURE_PASSWORD_CACHE_S", 300) > 0
        and _recently_verified(user, password or "")
    ):
        ok = True
    else:
        ok = check_password_hash(user.password_hash, password or "")
        if ok and reuse:
            _remember_verified(user, password or "")
    if not ok and strategy is not None:
        strategy.hit(limit, *key)
    return ok
