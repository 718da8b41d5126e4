"""Who may see and change a document: one rule, three renderings.

Seeing:
- a document: internal documents are visible to every user; restricted
  ones to their owning department, leaders and admins. For everybody else
  a restricted document does not exist (404, never 403).
- a version of a visible document: published versions (effective,
  obsolete) to whoever sees the document; versions still being written or
  decided (draft, in review, pending approval, rejected, withdrawn) to
  their author, the owning department, leaders and admins only.

The rules are data (``app.policy``) rendered to Python checks, SQL
filters and the search query; search indexes each entry with the fields
named here (confidentiality, department, state, author_id).

Changing:
- creating documents and versions: writers of the owning department;
- what controls a document (importance, confidentiality, owning
  department, review interval): the owning department's head, leaders and
  admins.
"""

from __future__ import annotations

from typing import Any

from app.auth.models import User
from app.documents.models import Confidentiality, Document, DocumentVersion, VersionState
from app.policy import FieldIn, FieldIsUsers, Rule, UserHasRole, check, to_sql

PRIVILEGED = UserHasRole(("admin", "leader"))
PUBLISHED = (VersionState.effective.value, VersionState.obsolete.value)

DOCUMENT_RULE: Rule = (
    FieldIn("confidentiality", (Confidentiality.internal.value,))
    | PRIVILEGED
    | FieldIsUsers("department_id", "department_id")
)
# Applies on top of DOCUMENT_RULE.
VERSION_RULE: Rule = (
    FieldIn("state", PUBLISHED)
    | PRIVILEGED
    | FieldIsUsers("department_id", "department_id")
    | FieldIsUsers("author_id", "id")
)

# Roles whose holders create and revise documents of their department.
DOCUMENT_WRITER_ROLES = ("author", "dept_head", "qc", "support", "admin")
# Fields that decide how a document is controlled (route, audience, review).
CONTROL_FIELDS = ("important", "confidentiality", "department", "review_interval_months")


def _document_facts(document: Document) -> dict[str, Any]:
    return {"confidentiality": document.confidentiality, "department_id": document.department_id}


def _version_facts(version: DocumentVersion, document_facts: dict[str, Any] | None = None) -> dict[str, Any]:
    if document_facts is None:
        document_facts = _document_facts(version.document)
    return {**document_facts, "state": version.state, "author_id": version.author_id}


# Python checks ---------------------------------------------------------------


def can_view_document(user: User, document: Document) -> bool:
    return check(DOCUMENT_RULE, user, _document_facts(document))


def can_view_version(user: User, version: DocumentVersion) -> bool:
    facts = _version_facts(version)
    return check(DOCUMENT_RULE, user, facts) and check(VERSION_RULE, user, facts)


def viewable_versions(user: User, document: Document) -> list[DocumentVersion]:
    """``can_view_version`` over all of ``document``'s versions, with the
    document's rule checked once, not once per version."""
    if not can_view_document(user, document):
        return []
    facts = _document_facts(document)
    return [
        version for version in document.versions if check(VERSION_RULE, user, _version_facts(version, facts))
    ]


def can_create_document(user: User, department_id: int) -> bool:
    if user.has_role("admin"):
        return True
    return user.has_role(*DOCUMENT_WRITER_ROLES) and user.department_id == department_id


def can_add_version(user: User, document: Document) -> bool:
    if not can_view_document(user, document):
        return False
    return can_create_document(user, document.department_id) or user.id == document.created_by_id


def can_edit_document(user: User, document: Document) -> bool:
    """Title and product: whoever may revise it, and the department head."""
    return can_add_version(user, document) or can_control_document(user, document)


def can_control_document(user: User, document: Document) -> bool:
    """Importance, confidentiality, owning department, review interval."""
    if not can_view_document(user, document):
        return False
    if user.has_role("admin", "leader"):
        return True
    return user.has_role("dept_head") and user.department_id == document.department_id


def can_get_original(user: User, document: Document) -> bool:
    """The stored bytes without a controlled-copy stamp: the owning
    department and admins."""
    if not can_view_document(user, document):
        return False
    return user.has_role("admin") or user.department_id == document.department_id


# SQL filters -----------------------------------------------------------------

_DOCUMENT_COLUMNS = {"confidentiality": Document.confidentiality, "department_id": Document.department_id}
_VERSION_COLUMNS = {
    **_DOCUMENT_COLUMNS,
    "state": DocumentVersion.state,
    "author_id": DocumentVersion.author_id,
}


def visible_documents_clause(user: User):
    """WHERE clause selecting the documents ``user`` may see."""
    return to_sql(DOCUMENT_RULE, user, _DOCUMENT_COLUMNS)


def visible_versions_clause(user: User):
    """WHERE clause over DocumentVersion joined with Document."""
    return to_sql(DOCUMENT_RULE, user, _VERSION_COLUMNS) & to_sql(VERSION_RULE, user, _VERSION_COLUMNS)


# Search ----------------------------------------------------------------------

# What search may return of a document entry: the entry carries the facts
# of the version it indexes.
SEARCH_RULE: Rule = DOCUMENT_RULE & VERSION_RULE
