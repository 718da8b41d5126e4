"""Typed links between documents (supersedes, references, implements),
shown from both sides (superseded by, referenced by, implemented by).
Whoever may edit the source document links it to a document they can see;
each link and unlink is audited on the source document."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.audit import record_event
from app.auth.models import User
from app.documents.models import INVERSE, Document, DocumentRelation, RelationType
from app.documents.policy import can_edit_document, can_view_document
from app.errors import N_, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.labels import Label


@dataclass(frozen=True)
class Related:
    id: int  # the relation's id
    type: str  # as read from the document shown: references, referenced_by, ...
    document: Document
    outgoing: bool


def add_relation(actor: User, source: Document, target_id: int, relation_type: str) -> DocumentRelation:
    if relation_type not in RelationType.__members__:
        raise ValidationFailed(N_("type is one of %(value)s"), field="type", value=", ".join(RelationType))
    if not can_edit_document(actor, source):
        raise PermissionDenied(N_("only the owning department may link this document"))
    target = db.session.get(Document, target_id)
    if target is None or not can_view_document(actor, target):
        raise ValidationFailed(N_("no document %(target_id)s"), field="target_id", target_id=target_id)
    if target.id == source.id:
        raise ValidationFailed(N_("a document cannot be linked to itself"), field="target_id")
    exists = db.session.scalar(
        select(DocumentRelation.id).where(
            DocumentRelation.source_id == source.id,
            DocumentRelation.target_id == target.id,
            DocumentRelation.type == relation_type,
        )
    )
    if exists:
        raise InvalidTransition(
            N_("%(source_number)s already %(relation_type)s %(target_number)s"),
            source_number=source.number,
            relation_type=Label(relation_type, "relation"),
            target_number=target.number,
        )
    relation = DocumentRelation(
        source_id=source.id, target_id=target.id, type=relation_type, created_by_id=actor.id
    )
    db.session.add(relation)
    db.session.flush()
    record_event(
        actor,
        "relate",
        relation,
        document_id=source.id,
        details={"type": relation_type, "target": target.number},
    )
    db.session.flush()
    return relation


def remove_relation(actor: User, source: Document, relation_id: int) -> None:
    relation = db.session.get(DocumentRelation, relation_id)
    if relation is None or relation.source_id != source.id:
        raise NotFound(N_("relation %(relation_id)s not found"), relation_id=relation_id)
    if not can_edit_document(actor, source):
        raise PermissionDenied(N_("only the owning department may unlink this document"))
    record_event(
        actor,
        "unrelate",
        relation,
        document_id=source.id,
        details={"type": relation.type, "target": relation.target.number},
    )
    db.session.delete(relation)
    db.session.flush()


def related(user: User, document: Document) -> list[Related]:
    """Both directions, only documents ``user`` may see."""
    rows = db.session.scalars(
        select(DocumentRelation)
        .where((DocumentRelation.source_id == document.id) | (DocumentRelation.target_id == document.id))
        .order_by(DocumentRelation.id)
    ).all()
    out = []
    for row in rows:
        outgoing = row.source_id == document.id
        other = row.target if outgoing else row.source
        if can_view_document(user, other):
            out.append(Related(row.id, row.type if outgoing else INVERSE[row.type], other, outgoing))
    return out


def referencing(document: Document) -> list[Document]:
    """Documents that reference or implement ``document``: they may need a
    review when a new version of it takes effect."""
    return list(
        db.session.scalars(
            select(Document)
            .join(DocumentRelation, DocumentRelation.source_id == Document.id)
            .where(
                DocumentRelation.target_id == document.id,
                DocumentRelation.type.in_((RelationType.references, RelationType.implements)),
            )
            .distinct()
        )
    )
