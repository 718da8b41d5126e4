"""Reading tasks: created when a version becomes effective for the people
its document names (departments x roles), confirmed by each reader ("read
and understood"; a signature with the password when the document requires
training), reminded when due, exported as CSV per document and per person."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import has_request_context, request
from sqlalchemy import select

from app.audit import record_event
from app.auth.models import Department, User, UserRole
from app.auth.service import reauthenticate
from app.clock import company_today
from app.db import utcnow
from app.documents.models import Document, DocumentVersion, VersionState
from app.documents.policy import can_control_document, can_view_document
from app.errors import N_, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.notify.service import notify
from app.training.models import Acknowledgement, ReadingRequirement

ROLES = ("admin", "leader", "dept_head", "author", "support", "qc")


def requirement(document: Document) -> ReadingRequirement | None:
    return db.session.get(ReadingRequirement, document.id)


def set_requirement(
    actor: User,
    document: Document,
    *,
    departments: list[str],
    roles: list[str],
    training_required: bool,
    due_days: int,
) -> ReadingRequirement:
    if not can_control_document(actor, document):
        raise PermissionDenied(
            N_("only the owning department's head, a leader or an admin chooses the readers")
        )
    known = set(db.session.scalars(select(Department.code)))
    departments = sorted(set(departments))
    unknown = [d for d in departments if d not in known]
    if unknown:
        raise ValidationFailed(N_("unknown department %(unknown)r"), field="departments", unknown=unknown[0])
    roles = sorted(set(roles))
    if any(r not in ROLES for r in roles):
        raise ValidationFailed(N_("roles are %(value)s"), field="roles", value=", ".join(ROLES))
    if not 1 <= due_days <= 365:
        raise ValidationFailed(N_("due_days is 1 to 365"), field="due_days")
    row = requirement(document) or ReadingRequirement(document_id=document.id)
    db.session.add(row)
    row.departments, row.roles = departments, roles
    row.training_required, row.due_days = bool(training_required), due_days
    record_event(
        actor,
        "set_readers",
        document,
        details={
            "departments": departments,
            "roles": roles,
            "training_required": row.training_required,
            "due_days": due_days,
        },
    )
    db.session.flush()
    return row


def readers_for(row: ReadingRequirement) -> list[User]:
    if not row.departments and not row.roles:
        return []
    query = select(User).where(User.active.is_(True))
    if row.departments:
        query = query.join(Department, Department.id == User.department_id).where(
            Department.code.in_(row.departments)
        )
    if row.roles:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(row.roles))))
    return list(db.session.scalars(query.order_by(User.id)).unique())


def assign(version: DocumentVersion) -> list[Acknowledgement]:
    """Tasks for the readers of a version that just became effective (once each)."""
    row = requirement(version.document)
    if row is None:
        return []
    due = company_today() + timedelta(days=row.due_days)
    existing = set(
        db.session.scalars(select(Acknowledgement.user_id).where(Acknowledgement.version_id == version.id))
    )
    readers = [u for u in readers_for(row) if u.id not in existing and can_view_document(u, version.document)]
    tasks = [Acknowledgement(version_id=version.id, user_id=u.id, due_on=due) for u in readers]
    db.session.add_all(tasks)
    notify(
        readers,
        "read_and_acknowledge",
        N_("%(version_label)s %(version_document_title)s: now effective; read it and confirm by %(due)s"),
        f"/documents/{version.document_id}",
        version_label=version.label,
        version_document_title=version.document.title,
        due=due,
    )
    return tasks


def on_version_state_changed(version: DocumentVersion, *, to_state: str, **_) -> None:
    if to_state == VersionState.effective:
        assign(version)


def my_task(user: User, document: Document) -> Acknowledgement | None:
    version = document.effective_version
    if version is None:
        return None
    return db.session.scalar(
        select(Acknowledgement).where(
            Acknowledgement.version_id == version.id, Acknowledgement.user_id == user.id
        )
    )


def acknowledge(user: User, document: Document, password: str | None = None) -> Acknowledgement:
    if not can_view_document(user, document):
        raise NotFound(N_("document %(document_id)s not found"), document_id=document.id)
    task = my_task(user, document)
    if task is None:
        raise InvalidTransition(N_("you have no reading task for the effective version of this document"))
    if task.done:
        raise InvalidTransition(N_("you have already confirmed this version"))
    row = requirement(document)
    if row is not None and row.training_required:
        reauthenticate(user, password)
        method = "password"
    else:
        method = (
            "token" if has_request_context() and request.environ.get("doctrack.token_auth") else "session"
        )
    task.acknowledged_at, task.method, task.sha256 = utcnow(), method, task.version.sha256
    record_event(
        user,
        "acknowledge",
        task.version,
        details={"number": task.version.number, "method": method, "sha256": task.sha256},
    )
    db.session.flush()
    return task


def status(document: Document) -> list[Acknowledgement]:
    """Tasks of the effective version: who has and has not confirmed."""
    version = document.effective_version
    if version is None:
        return []
    return list(
        db.session.scalars(
            select(Acknowledgement)
            .where(Acknowledgement.version_id == version.id)
            .join(User)
            .order_by(Acknowledgement.acknowledged_at.is_not(None), User.name)
        )
    )


def training_record(user: User) -> list[Acknowledgement]:
    return list(
        db.session.scalars(
            select(Acknowledgement)
            .where(Acknowledgement.user_id == user.id)
            .order_by(Acknowledgement.assigned_at.desc(), Acknowledgement.id.desc())
        )
    )


def can_see_record_of(viewer: User, person: User) -> bool:
    return (
        viewer.id == person.id
        or viewer.has_role("admin", "leader")
        or (viewer.has_role("dept_head") and viewer.department_id == person.department_id)
    )


def send_reminders(today: date | None = None) -> int:
    """Remind readers whose task is due within two days or overdue, at most once a day.
    Safe to run twice: a task reminded today is skipped."""
    today = today or company_today()
    tasks = db.session.scalars(
        select(Acknowledgement).where(
            Acknowledgement.acknowledged_at.is_(None),
            Acknowledgement.due_on <= today + timedelta(days=2),
            (Acknowledgement.reminded_on.is_(None)) | (Acknowledgement.reminded_on < today),
        )
    ).all()
    for task in tasks:
        if task.version.state != VersionState.effective:
            continue
        notify(
            [task.user],
            "read_and_acknowledge_reminder",
            N_("Reminder: %(label)s %(title)s: reading overdue since %(due_on)s")
            if task.due_on < today
            else N_("Reminder: %(label)s %(title)s: reading due %(due_on)s"),
            f"/documents/{task.version.document_id}",
            label=task.version.label,
            title=task.version.document.title,
            due_on=task.due_on.isoformat(),
        )
        task.reminded_on = today
    db.session.flush()
    return len(tasks)


def _rows(tasks: list[Acknowledgement]) -> list[list[str]]:
    return [
        [
            t.version.document.number,
            t.version.revision,
            t.version.document.title,
            t.user.name,
            t.user.email,
            t.user.department.code,
            str(t.due_on),
            t.acknowledged_at.isoformat() if t.acknowledged_at else "",
            t.method or "",
            t.sha256 or "",
        ]
        for t in tasks
    ]


HEADER = [
    "number",
    "revision",
    "title",
    "reader",
    "email",
    "department",
    "due_on",
    "acknowledged_at",
    "method",
    "sha256",
]


def to_csv(tasks: list[Acknowledgement]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in _rows(tasks):
        writer.writerow([("'" + v) if v[:1] in ("=", "+", "-", "@") else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def document_record(document: Document) -> list[Acknowledgement]:
    """Every task of every version of the document (for its CSV)."""
    ids = [v.id for v in document.versions]
    return list(
        db.session.scalars(
            select(Acknowledgement)
            .where(Acknowledgement.version_id.in_(ids))
            .order_by(Acknowledgement.version_id, Acknowledgement.id)
        )
    )
