"""Who may do what: ``can_*`` predicates and SQL filters for lists.

Restricted documents are visible to their owning department, leaders and
admins only; for everybody else they do not exist (404, never 403, so the
existence of a restricted document does not leak).
"""

from __future__ import annotations

from sqlalchemy import or_, true

from app.auth.models import User
from app.documents.models import Confidentiality, Document

# Roles whose holders create and revise documents of their department.
DOCUMENT_WRITER_ROLES = ("author", "dept_head", "qc", "support", "admin")


def sees_everything(user: User) -> bool:
    return user.has_role("admin", "leader")


def can_view_document(user: User, document: Document) -> bool:
    if document.confidentiality != Confidentiality.restricted:
        return True
    return sees_everything(user) or user.department_id == document.department_id


def visible_documents_clause(user: User):
    """A WHERE clause selecting the documents ``user`` may see."""
    if sees_everything(user):
        return true()
    return or_(
        Document.confidentiality != Confidentiality.restricted.value,
        Document.department_id == user.department_id,
    )


def can_create_document(user: User, department_id: int) -> bool:
    if user.has_role("admin"):
        return True
    return user.has_role(*DOCUMENT_WRITER_ROLES) and user.department_id == department_id


def can_add_version(user: User, document: Document) -> bool:
    if not can_view_document(user, document):
        return False
    return can_create_document(user, document.department_id) or user.id == document.created_by_id
