"""Accounts: users, departments, passwords and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets

from flask import current_app, has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload
from werkzeug.security import check_password_hash, generate_password_hash

from app import limits
from app.audit import record_event
from app.auth.models import ApiToken, Department, Role, User, UserRole
from app.auth.throttle import check_password_throttled
from app.db import utcnow
from app.errors import (
    N_,
    Conflict,
    NotFound,
    ReauthenticationRequired,
    ValidationFailed,
    WrongPassword,
)
from app.extensions import db

TOKEN_PREFIX = "dt_"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DEPT_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,15}$")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def department_by_code(code: str, *, field: str = "department") -> Department:
    department = db.session.scalar(select(Department).where(Department.code == (code or "").upper()))
    if department is None:
        raise ValidationFailed(N_("unknown department %(code_name)r"), field=field, code_name=code)
    return department


def create_department(code: str, name: str, *, actor: User | None = None) -> Department:
    code = (code or "").strip().upper()
    if not _DEPT_CODE.match(code):
        raise ValidationFailed(N_("department code must be 2-16 letters, digits or _"), field="code")
    if not (name or "").strip():
        raise ValidationFailed(N_("department name is required"), field="name")
    limits.check_length(name.strip(), limits.NAME, "name")
    if db.session.scalar(select(Department).where(Department.code == code)):
        raise Conflict(N_("department %(code_name)s already exists"), code_name=code)
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
    limits.check_length(email, 254, "email")
    limits.check_length((name or "").strip(), limits.NAME, "name")
    if not _EMAIL.match(email):
        raise ValidationFailed(N_("not an email address: %(email)r"), field="email", email=email)
    if db.session.scalar(select(User).where(User.email == email)):
        raise Conflict(N_("user %(email)s already exists"), email=email)
    unknown = [r for r in roles if r not in Role.__members__]
    if unknown or not roles:
        raise ValidationFailed(
            N_("unknown role %(roles)s") if unknown else N_("at least one role is required"),
            field="role",
            roles=", ".join(unknown),
        )
    check_new_password(password)
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


def users_with_role(role: str, department_id: int | None = None) -> list[User]:
    """Active users holding ``role`` (in one department if given), by id.

    For notifying them: their own roles are not loaded with them.
    """
    query = (
        select(User)
        .join(UserRole)
        .where(UserRole.role == role, User.active.is_(True))
        .options(lazyload(User.role_rows))
        .order_by(User.id)
    )
    if department_id is not None:
        query = query.where(User.department_id == department_id)
    return list(db.session.scalars(query).unique())


def user_by_email(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        raise NotFound(N_("no user %(email)r"), email=email)
    return user


def authenticate(email: str, password: str, address: str) -> User | None:
    """The active user with this e-mail and password, or None; one password
    hash either way (see app.auth.throttle). Raises TooManyAttempts."""
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if check_password_throttled(user, password, address, account=email or ""):
        return user
    return None


def verify_password(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password or "")


def reauthenticate(user: User, password: str | None) -> None:
    """Prove that ``user`` is at the keyboard now: their current password,
    given with the request that signs. Wrong passwords count against the
    same throttle as logins, per account and client address
    (app.auth.throttle): a stolen session cannot be used to guess the
    password behind it."""
    if not password:
        raise ReauthenticationRequired(N_("this action is a signature: enter your password to sign"))
    address = (request.remote_addr or "-") if has_request_context() else "-"
    if not check_password_throttled(user, password, address, reuse=True):
        raise WrongPassword(N_("wrong password: nothing was signed"))


def check_new_password(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            N_("password must have at least %(MIN_PASSWORD_LENGTH)s characters"),
            field=field,
            MIN_PASSWORD_LENGTH=MIN_PASSWORD_LENGTH,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            N_("password must have at most %(MAX_PASSWORD_LENGTH)s characters"),
            field=field,
            MAX_PASSWORD_LENGTH=MAX_PASSWORD_LENGTH,
        )


def end_sessions(user: User) -> None:
    """Every session of ``user`` issued before now stops working."""
    user.session_generation = (user.session_generation or 0) + 1


def set_password(user: User, new_password: str, *, actor: User | None = None) -> None:
    """A new password (command line, or after the current one was checked):
    every existing session of the user ends."""
    check_new_password(new_password)
    user.password_hash = hash_password(new_password)
    end_sessions(user)
    record_event(actor, "set_password", user)
    db.session.flush()


def change_password(user: User, current_password: str, new_password: str, address: str) -> None:
    """The user's own change: the current password first (throttled like a login)."""
    if not check_password_throttled(user, current_password, address):
        raise ValidationFailed(N_("the current password is wrong"), field="current_password")
    set_password(user, new_password, actor=user)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str = "") -> str:
    """Create an API token and return it; only its hash is kept."""
    limits.check_length(name, limits.CODE, "name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, name=name, token_hash=_token_digest(token), prefix=token[:10])
    db.session.add(row)
    db.session.flush()
    record_event(user, "create_token", row, details={"prefix": row.prefix})
    return token


def revoke_token(user: User, token_id: int) -> None:
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(N_("no such token"))
    row.revoked_at = utcnow()
    record_event(user, "revoke_token", row)


def user_for_token(token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    # One query: the token's user with department (joined on the model) and
    # roles, only when the token is live and the user active.
    return (
        db.session.scalars(
            select(User)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(
                ApiToken.token_hash == _token_digest(token),
                ApiToken.revoked_at.is_(None),
                User.active.is_(True),
            )
            .options(joinedload(User.role_rows))
        )
        .unique()
        .one_or_none()
    )


# flask-login loaders -------------------------------------------------------


def _bearer_header(req) -> bool:
    return req.headers.get("Authorization", "").lower().startswith("bearer ")


def load_user_from_session(session_id: str) -> User | None:
    """``session_id`` is User.get_id(): "<id>:<session generation>". A
    session issued before the user's last logout, password change or
    deactivation names an older generation and is refused."""
    if _bearer_header(request):
        # A request that names a token is that token's user (or nobody, when
        # the token is bad), whatever session cookie it also carries.
        return None
    try:
        user_id, generation = (int(part) for part in str(session_id).split(":"))
        user = db.session.get(User, user_id)
    except (TypeError, ValueError):
        return None
    if user is None or not user.active or (user.session_generation or 0) != generation:
        return None
    return user


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
            N_("unknown role %(roles)s") if unknown else N_("at least one role is required"),
            field="role",
            roles=", ".join(unknown),
        )
    if user.id == actor.id and "admin" not in roles:
        raise ValidationFailed(N_("you cannot remove your own admin role"), field="role")
    before = sorted(user.roles)
    user.role_rows = [UserRole(role=r) for r in sorted(set(roles))]
    db.session.flush()
    record_event(actor, "set_roles", user, details={"from": before, "to": sorted(set(roles))})


def set_active(actor: User, user: User, active: bool) -> None:
    if user.id == actor.id and not active:
        raise ValidationFailed(N_("you cannot deactivate yourself"), field="active")
    user.active = active
    if not active:
        end_sessions(user)
    record_event(actor, "activate" if active else "deactivate", user)
