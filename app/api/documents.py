"""Document routes of the JSON API: parse, call the service, commit, answer."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from app.api import api_blueprint, page_body
from app.api.schemas import (
    DiffArgs,
    DiffSchema,
    DocumentDetailSchema,
    DocumentListArgs,
    DocumentListSchema,
    DocumentPatchArgs,
    DocumentUploadForm,
    DownloadArgs,
    HistorySchema,
    VersionSchema,
    VersionUploadForm,
    VersionWithTextSchema,
)
from app.documents import service
from app.documents.downloads import send_version
from app.errors import N_, ValidationFailed
from app.extensions import db

blp = api_blueprint("documents", "Versioned documents")


def _upload_from_request() -> service.Upload:
    file = request.files.get("file")
    if file is None or not file.filename:
        raise ValidationFailed(N_("a file is required (multipart field 'file')"), field="file")
    return service.Upload(stream=file.stream, filename=file.filename)  # type: ignore[arg-type]  # a binary stream


@blp.post("/documents")
@blp.arguments(DocumentUploadForm, location="form", content_type="multipart/form-data")
@blp.response(201, DocumentDetailSchema)
def create_document(form):
    fields = service.DocumentFields(
        title=form["title"],
        category=form["category"],
        doc_type=form["doc_type"],
        department=form["department"],
        product=form["product"],
        important=form["important"],
        confidentiality=form["confidentiality"],
        review_interval_months=form["review_interval_months"],
    )
    document = service.create_document(current_user, fields, _upload_from_request(), form["change_note"])
    db.session.commit()
    return document


@blp.get("/documents")
@blp.arguments(DocumentListArgs, location="query")
@blp.response(200, DocumentListSchema)
def list_documents(args):
    page, per_page = args.pop("page"), args.pop("per_page")
    items, total = service.list_documents(
        current_user, service.DocumentFilter(**args), page=page, per_page=per_page
    )
    return page_body(items, total, page, per_page)


@blp.get("/documents/<int:document_id>")
@blp.response(200, DocumentDetailSchema)
def get_document(document_id):
    return service.get_document(current_user, document_id)


@blp.patch("/documents/<int:document_id>")
@blp.arguments(DocumentPatchArgs)
@blp.response(200, DocumentDetailSchema)
def patch_document(args, document_id):
    document = service.update_document(current_user, service.get_document(current_user, document_id), args)
    db.session.commit()
    return document


@blp.post("/documents/<int:document_id>/versions")
@blp.arguments(VersionUploadForm, location="form", content_type="multipart/form-data")
@blp.response(201, VersionSchema)
def add_version(form, document_id):
    document = service.get_document(current_user, document_id)
    plan = {name: form[name] for name in ("effective_on", "change_reason") if form.get(name) is not None}
    if form.get("affected_documents") is not None:
        plan["affected_documents"] = [n.strip() for n in form["affected_documents"].split(",") if n.strip()]
    version = service.add_version(current_user, document, _upload_from_request(), form["change_note"], plan)
    db.session.commit()
    return version


@blp.get("/documents/<int:document_id>/versions/<int:number>")
@blp.response(200, VersionWithTextSchema)
def get_version(document_id, number):
    return service.get_version(current_user, document_id, number)


@blp.get("/documents/<int:document_id>/versions/<int:number>/file")
@blp.arguments(DownloadArgs, location="query")
@blp.response(
    200,
    description="The file. PDFs (and DOCX files not in force) are stamped as controlled "
    "copies for the caller (X-Stamped: true); original=true gives the stored bytes unstamped, with "
    "ETag the sha256, to the owning department and admins (403 otherwise). X-Original-SHA256 always.",
)
def download_version(args, document_id, number):
    return send_version(
        service.get_version(current_user, document_id, number), current_user, original=args["original"]
    )


@blp.get("/documents/<int:document_id>/effective")
@blp.response(200, description="The current effective version's file.")
def download_effective(document_id):
    return send_version(service.effective_version(current_user, document_id), current_user)


@blp.get("/documents/<int:document_id>/diff")
@blp.arguments(DiffArgs, location="query")
@blp.response(200, DiffSchema)
def diff(args, document_id):
    old, new, result = service.diff_versions(current_user, document_id, args.get("from_"), args.get("to"))
    return result.as_dict(old.number, new.number)


@blp.get("/documents/<int:document_id>/history")
@blp.response(200, HistorySchema)
def history(document_id):
    return {"items": service.history(current_user, document_id)}
