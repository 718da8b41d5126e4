"""Accounts: users, departments, passwords and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets

from flask import current_app, request
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.audit import record_event
from app.auth.models import ApiToken, Department, Role, User, UserRole
from app.db import utcnow
from app.errors import (
    Conflict,
    NotFound,
    ReauthenticationRequired,
    TooManyAttempts,
    ValidationFailed,
    WrongPassword,
)
from app.extensions import db, limiter

TOKEN_PREFIX = "dt_"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DEPT_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,15}$")
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def department_by_code(code: str, *, field: str = "department") -> Department:
    department = db.session.scalar(select(Department).where(Department.code == (code or "").upper()))
    if department is None:
        raise ValidationFailed(f"unknown department {code!r}", field=field)
    return department


def create_department(code: str, name: str, *, actor: User | None = None) -> Department:
    code = (code or "").strip().upper()
    if not _DEPT_CODE.match(code):
        raise ValidationFailed("department code must be 2-16 letters, digits or _", field="code")
    if not (name or "").strip():
        raise ValidationFailed("department name is required", field="name")
    if db.session.scalar(select(Department).where(Department.code == code)):
        raise Conflict(f"department {code} already exists")
    department = Department(code=code, name=name.strip())
    db.session.add(department)
    db.session.flush()
    record_event(actor, "create", department)
    return department


def create_user(
    email: str,
    *,
    name: str,
    department_code: str,
    roles: list[str],
    password: str,
    actor: User | None = None,
) -> User:
    email = (email or "").strip().lower()
    if not _EMAIL.match(email):
        raise ValidationFailed(f"not an email address: {email!r}", field="email")
    if db.session.scalar(select(User).where(User.email == email)):
        raise Conflict(f"user {email} already exists")
    unknown = [r for r in roles if r not in Role.__members__]
    if unknown or not roles:
        raise ValidationFailed(
            f"unknown role {', '.join(unknown)}" if unknown else "at least one role is required",
            field="role",
        )
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    user = User(
        email=email,
        name=(name or email).strip(),
        password_hash=hash_password(password),
        department=department_by_code(department_code),
        role_rows=[UserRole(role=r) for r in sorted(set(roles))],
    )
    db.session.add(user)
    db.session.flush()
    record_event(actor, "create", user, details={"roles": sorted(set(roles))})
    return user


def user_by_email(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        raise NotFound(f"no user {email!r}")
    return user


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not user.active:
        # Same work either way so timing does not reveal which emails exist.
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return user


def verify_password(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password or "")


def reauthenticate(user: User, password: str | None) -> None:
    """Prove that ``user`` is at the keyboard now: their current password,
    given with the request that signs. Failed proofs count per account
    (``SIGNATURE_RATE_PER_ACCOUNT``): a stolen session cannot be used to
    guess the password behind it."""
    if not password:
        raise ReauthenticationRequired("this action is a signature: enter your password to sign")
    limit, key = _signature_limit(), f"signature-failures:{user.email}"
    if limit is not None and not limiter.limiter.test(limit, key):
        raise TooManyAttempts("too many wrong passwords; wait a few minutes and try again")
    if not verify_password(user, password):
        if limit is not None:
            limiter.limiter.hit(limit, key)
        raise WrongPassword("wrong password: nothing was signed")


def _signature_limit():
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    from limits import parse

    return parse(current_app.config["SIGNATURE_RATE_PER_ACCOUNT"])


_DUMMY_HASH = generate_password_hash("not-a-real-password", method="pbkdf2:sha256:1000")


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str = "") -> str:
    """Create an API token and return it; only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, name=name, token_hash=_token_digest(token), prefix=token[:10])
    db.session.add(row)
    db.session.flush()
    record_event(user, "create_token", row, details={"prefix": row.prefix})
    return token


def revoke_token(user: User, token_id: int) -> None:
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound("no such token")
    row.revoked_at = utcnow()
    record_event(user, "revoke_token", row)


def user_for_token(token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    return row.user


# flask-login loaders -------------------------------------------------------

def _bearer_header(req) -> bool:
    return req.headers.get("Authorization", "").lower().startswith("bearer ")


def load_user_from_session(user_id: str) -> User | None:
    if _bearer_header(request):
        # A request that names a token is that token's user (or nobody, when
        # the token is bad), whatever session cookie it also carries.
        return None
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None


def load_user_from_request(req) -> User | None:
    if not _bearer_header(req):
        return None
    user = user_for_token(req.headers["Authorization"][7:].strip())
    if user is not None:
        request.environ["doctrack.token_auth"] = True
    return user


def set_roles(actor: User, user: User, roles: list[str]) -> None:
    unknown = [r for r in roles if r not in Role.__members__]
    if unknown or not roles:
        raise ValidationFailed(
            f"unknown role {', '.join(unknown)}" if unknown else "at least one role is required", field="role")
    if user.id == actor.id and "admin" not in roles:
        raise ValidationFailed("you cannot remove your own admin role", field="role")
    before = sorted(user.roles)
    user.role_rows = [UserRole(role=r) for r in sorted(set(roles))]
    db.session.flush()
    record_event(actor, "set_roles", user, details={"from": before, "to": sorted(set(roles))})


def set_active(actor: User, user: User, active: bool) -> None:
    if user.id == actor.id and not active:
        raise ValidationFailed("you cannot deactivate yourself", field="active")
    user.active = active
    record_event(actor, "activate" if active else "deactivate", user)
