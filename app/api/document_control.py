"""Document-control routes of the JSON API: number patterns, a version's
planned effective date and change request, the audit chain check and a
document's record export. Parse, call the service, commit, answer."""

from __future__ import annotations

from flask import Response
from flask_login import current_user

from app.api import api_blueprint
from app.api.schemas import (
    AuditVerifySchema,
    CheckinArgs,
    DocumentDetailSchema,
    NumberPatternListSchema,
    NumberPatternSchema,
    RelationArgs,
    RelationListSchema,
    VersionPlanArgs,
    VersionSchema,
)
from app.approval.record_export import export_record
from app.audit import verify_chain
from app.documents import checkout, numbering, relations, service
from app.documents.change_request import plan_version
from app.errors import N_, PermissionDenied
from app.extensions import db

blp = api_blueprint("document_control", "Document numbers, effective dates, audit trail")


def _admin_only() -> None:
    if not current_user.has_role("admin"):
        raise PermissionDenied(N_("admins only"))


@blp.get("/numbering/patterns")
@blp.response(200, NumberPatternListSchema)
def list_patterns():
    return {"default": numbering.DEFAULT_PATTERN, "items": numbering.patterns()}


@blp.put("/numbering/patterns")
@blp.arguments(NumberPatternSchema)
@blp.response(200, NumberPatternSchema)
def set_pattern(args):
    row = numbering.set_pattern(
        current_user, args["category"], args["doc_type"], args["pattern"], args["revision_scheme"]
    )
    db.session.commit()
    return row


@blp.patch("/documents/<int:document_id>/versions/<int:number>")
@blp.arguments(VersionPlanArgs)
@blp.response(200, VersionSchema)
def plan(args, document_id, number):
    version = plan_version(current_user, service.get_version(current_user, document_id, number), args)
    db.session.commit()
    return version


@blp.get("/audit/verify")
@blp.response(200, AuditVerifySchema)
def audit_verify():
    _admin_only()
    checked, broken, event_id = verify_chain()
    return {"intact": broken is None, "checked": checked, "broken": broken, "event_id": event_id}


@blp.get("/documents/<int:document_id>/record.zip")
@blp.response(200, description="ZIP: manifest.json, versions/, signatures.json, audit_events.json (admins).")
def record(document_id):
    name, data = export_record(current_user, document_id)
    db.session.commit()
    return Response(
        data, mimetype="application/zip", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@blp.post("/documents/<int:document_id>/checkout")
@blp.response(200, DocumentDetailSchema)
def check_out(document_id):
    document = checkout.check_out(current_user, service.get_document(current_user, document_id))
    db.session.commit()
    return document


@blp.delete("/documents/<int:document_id>/checkout")
@blp.arguments(CheckinArgs, location="query")
@blp.response(
    200,
    DocumentDetailSchema,
    description="Checked in by the holder, or the lock broken by the "
    "owning department's head or an admin (audited as break_checkout).",
)
def check_in(args, document_id):
    document = checkout.check_in(
        current_user, service.get_document(current_user, document_id), args["comment"]
    )
    db.session.commit()
    return document


@blp.get("/documents/<int:document_id>/relations")
@blp.response(200, RelationListSchema)
def list_relations(document_id):
    return {"items": relations.related(current_user, service.get_document(current_user, document_id))}


@blp.post("/documents/<int:document_id>/relations")
@blp.arguments(RelationArgs)
@blp.response(201, RelationListSchema)
def add_relation(args, document_id):
    document = service.get_document(current_user, document_id)
    relations.add_relation(current_user, document, args["target_id"], args["type"])
    db.session.commit()
    return {"items": relations.related(current_user, document)}


@blp.delete("/documents/<int:document_id>/relations/<int:relation_id>")
@blp.response(204)
def remove_relation(document_id, relation_id):
    relations.remove_relation(current_user, service.get_document(current_user, document_id), relation_id)
    db.session.commit()
    return ""
