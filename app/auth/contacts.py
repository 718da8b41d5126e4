"""Whose e-mail address a user may read.

Addresses are for people one works with: your own, your department's,
and the reviewers you submit to (department heads and leaders); admins and
leaders (who act across departments) see everyone's. Everywhere else the
API gives the name and no address, so nobody can collect the whole
company's addresses through it.
"""

from __future__ import annotations

from flask_login import current_user

from app.auth.models import User

REVIEWER_ROLES = ("dept_head", "leader")


def may_see_email(viewer: User | None, person: User) -> bool:
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    return (
        viewer.id == person.id
        or viewer.has_role("admin", "leader")
        or viewer.department_id == person.department_id
        or person.has_role(*REVIEWER_ROLES)
    )


def email_for_viewer(person: User | None) -> str | None:
    """``person``'s address if the current user may see it, else None."""
    if person is None:
        return None
    return person.email if may_see_email(current_user, person) else None
