"""Preview images of a version: the thumbnail and the rendered pages. The
same permission as the download (``documents.service.get_version``)."""

from __future__ import annotations

import io

from flask import Blueprint, request, send_file
from flask_login import current_user, login_required

from app.documents import service as documents
from app.errors import N_, NotFound
from app.preview import render, service
from app.storage import get_store

bp = Blueprint("previews", __name__, url_prefix="/documents")


def _send(path, etag: str):
    response = send_file(path, mimetype="image/png", etag=etag, conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/<int:document_id>/versions/<int:number>/thumbnail.png")
@login_required
def thumbnail(document_id: int, number: int):
    version = documents.get_version(current_user, document_id, number)
    path = service.thumb_file(version.sha256) if service.preview_of(version.sha256) else None
    if path is None:
        raise NotFound(N_("no preview of this version yet"))
    return _send(path, version.sha256 + "-thumb")


@bp.get("/<int:document_id>/versions/<int:number>/pages/<int:page>.png")
@login_required
def page(document_id: int, number: int, page: int):
    """Page ``page`` as an image; with ``hl`` (a search's words) a PDF page
    with a text layer has the words painted over in yellow."""
    version = documents.get_version(current_user, document_id, number)
    preview = service.preview_of(version.sha256)
    path = service.page_file(version.sha256, page) if preview else None
    if path is None:
        raise NotFound(N_("no preview of page %(page)s"), page=page)
    terms = (request.args.get("hl") or "").split()[:10]
    if terms and version.media_type == render.PDF and version.text_status in ("ok", "unreliable"):
        image, found = render.highlighted_pdf_page(get_store().path(version.sha256), page - 1, terms)
        if found:
            out = io.BytesIO()
            image.save(out, format="PNG")
            out.seek(0)
            response = send_file(out, mimetype="image/png", max_age=0)
            response.headers["Cache-Control"] = "private, no-store"
            return response
    return _send(path, f"{version.sha256}-{page}")
