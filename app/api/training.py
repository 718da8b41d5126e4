"""Read-and-acknowledge routes of the JSON API."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, validate

from app.api import api_blueprint
from app.documents import service as documents
from app.documents.policy import can_control_document
from app.errors import N_, NotFound
from app.extensions import db
from app.training import service

blp = api_blueprint("training", "Read and acknowledge (training records)")


class ReadersArgs(Schema):
    departments = fields.List(
        fields.String(validate=validate.Length(max=16)), load_default=list, validate=validate.Length(max=50)
    )
    roles = fields.List(fields.String(validate=validate.OneOf(service.ROLES)), load_default=list)
    training_required = fields.Boolean(load_default=False)
    due_days = fields.Integer(load_default=14, validate=validate.Range(1, 365))


class ReadersSchema(Schema):
    departments = fields.List(fields.String())
    roles = fields.List(fields.String())
    training_required = fields.Boolean()
    due_days = fields.Integer()


class AcknowledgementSchema(Schema):
    document_id = fields.Function(lambda t: t.version.document_id)
    number = fields.Function(lambda t: t.version.document.number)
    revision = fields.Function(lambda t: t.version.revision)
    version = fields.Function(lambda t: t.version.number)
    reader = fields.Function(lambda t: t.user.name)
    department = fields.Function(lambda t: t.user.department.code)
    due_on = fields.Date()
    acknowledged_at = fields.DateTime(allow_none=True)
    method = fields.String(allow_none=True)
    sha256 = fields.String(allow_none=True)
    overdue = fields.Function(lambda t: not t.done and t.due_on < service.company_today())


class AckStatusSchema(Schema):
    readers = fields.Nested(ReadersSchema, allow_none=True)
    acknowledged = fields.Integer()
    total = fields.Integer()
    items = fields.List(fields.Nested(AcknowledgementSchema))


class AckArgs(Schema):
    password = fields.String(
        load_default=None,
        validate=validate.Length(max=1000),
        metadata={
            "description": "required when the document requires training (the confirmation is a signature)"
        },
    )


class TrainingRecordSchema(Schema):
    items = fields.List(fields.Nested(AcknowledgementSchema))


@blp.put("/documents/<int:document_id>/readers")
@blp.arguments(ReadersArgs)
@blp.response(200, ReadersSchema)
def set_readers(args, document_id):
    row = service.set_requirement(current_user, documents.get_document(current_user, document_id), **args)
    db.session.commit()
    return row


@blp.get("/documents/<int:document_id>/acknowledgements")
@blp.response(200, AckStatusSchema)
def acknowledgements(document_id):
    document = documents.get_document(current_user, document_id)
    tasks = service.status(document)
    return {
        "readers": service.requirement(document),
        "acknowledged": sum(t.done for t in tasks),
        "total": len(tasks),
        "items": tasks,
    }


@blp.post("/documents/<int:document_id>/acknowledgements")
@blp.arguments(AckArgs)
@blp.response(201, AcknowledgementSchema)
def acknowledge(args, document_id):
    task = service.acknowledge(
        current_user, documents.get_document(current_user, document_id), args["password"]
    )
    db.session.commit()
    return task


@blp.get("/training")
@blp.response(200, TrainingRecordSchema, description="The caller's training record.")
def my_training():
    return {"items": service.training_record(current_user)}


@blp.get("/documents/<int:document_id>/acknowledgements.csv")
@blp.response(200, description="Every reading task of every version (document controllers).")
def acknowledgements_csv(document_id):
    from flask import Response

    document = documents.get_document(current_user, document_id)
    if not can_control_document(current_user, document):
        raise NotFound(N_("document %(document_id)s has no training record for you"), document_id=document_id)
    return Response(
        service.to_csv(service.document_record(document)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{document.number}-training.csv"'},
    )
