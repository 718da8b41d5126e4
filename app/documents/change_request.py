"""What travels with a version: its planned effective date, the reason for
the change and the documents it affects (a change request).

The author sets them while the version is being written; the owning
department's head, leaders and admins (who decide on it) also while it is
under review or approved and waiting for its date. After a version took
effect nothing here changes.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app import limits
from app.audit import record_event
from app.auth.models import User
from app.clock import company_today
from app.documents import signals
from app.documents.models import Document, DocumentVersion, VersionState
from app.documents.policy import can_add_version, can_control_document
from app.errors import N_, InvalidTransition, PermissionDenied, ValidationFailed
from app.extensions import db
from app.labels import Label

MAX_AFFECTED = 50
WRITING = (VersionState.draft, VersionState.withdrawn, VersionState.rejected)
DECIDING = (VersionState.in_review, VersionState.pending_approval, VersionState.approved)
FIELDS = ("effective_on", "change_reason", "affected_documents")


def may_plan(actor: User, version: DocumentVersion) -> bool:
    document = version.document
    if version.state in WRITING:
        return (
            actor.id == version.author_id
            and can_add_version(actor, document)
            or can_control_document(actor, document)
        )
    if version.state in DECIDING:
        return can_control_document(actor, document)
    return False


def _affected(numbers) -> list[str]:
    if not isinstance(numbers, list | tuple):
        raise ValidationFailed(
            N_("affected_documents is a list of document numbers"), field="affected_documents"
        )
    cleaned = list(dict.fromkeys(str(n).strip() for n in numbers if str(n).strip()))
    if len(cleaned) > MAX_AFFECTED:
        raise ValidationFailed(
            N_("at most %(MAX_AFFECTED)s affected documents"),
            field="affected_documents",
            MAX_AFFECTED=MAX_AFFECTED,
        )
    for number in cleaned:
        limits.check_length(number, limits.CODE, "affected_documents")
    known = set(db.session.scalars(select(Document.number).where(Document.number.in_(cleaned))))
    unknown = [n for n in cleaned if n not in known]
    if unknown:
        raise ValidationFailed(
            N_("no document numbered %(unknown)s"), field="affected_documents", unknown=unknown[0]
        )
    return cleaned


def check_effective_on(value: date | None) -> None:
    if value is not None and value < company_today():
        raise ValidationFailed(N_("the effective date cannot be in the past"), field="effective_on")


def apply_change_request(version: DocumentVersion, data: dict) -> dict:
    """Validate and set the fields present in ``data``; return what changed
    as {field: [old, new]} (no audit, no permission check: for callers that
    do both)."""
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise ValidationFailed(
            N_("%(unknown)s cannot be set on a version"), field=unknown[0], unknown=unknown[0]
        )
    wanted = {}
    if "effective_on" in data:
        check_effective_on(data["effective_on"])
        wanted["effective_on"] = data["effective_on"]
    if "change_reason" in data:
        reason = (data["change_reason"] or "").strip()
        limits.check_length(reason, limits.LONG_TEXT, "change_reason")
        wanted["change_reason"] = reason
    if "affected_documents" in data:
        wanted["affected_documents"] = _affected(data["affected_documents"] or [])
    changed = {}
    for name, value in wanted.items():
        old = getattr(version, name)
        if old != value:
            changed[name] = [
                str(old) if isinstance(old, date) else old,
                str(value) if isinstance(value, date) else value,
            ]
            setattr(version, name, value)
    return changed


def plan_version(actor: User, version: DocumentVersion, data: dict) -> DocumentVersion:
    if version.state not in WRITING + DECIDING:
        raise InvalidTransition(
            N_("a version that is %(version_state)s cannot be changed"),
            version_state=Label(version.state, "state"),
        )
    if not may_plan(actor, version):
        raise PermissionDenied(
            N_(
                "only the author while writing, or the owning department's head, a leader or an admin while deciding, may change the effective date and change request"
            )
        )
    changed = apply_change_request(version, data)
    if changed:
        record_event(actor, "plan_version", version, details={"number": version.number, **changed})
        signals.document_changed.send(version.document_id)
    db.session.flush()
    return version
