"""Sending a version's original bytes (shared by the API and the pages)."""

from __future__ import annotations

from flask import send_file

from app.documents.filenames import download_name
from app.documents.models import DocumentVersion, VersionState
from app.errors import NotFound
from app.storage import get_store


def send_version(version: DocumentVersion):
    store = get_store()
    if not store.exists(version.sha256):
        raise NotFound("the stored file of this version is missing; restore it from a backup")
    response = send_file(
        store.path(version.sha256),
        mimetype=version.media_type,
        as_attachment=True,
        download_name=download_name(
            version.filename, version.number, obsolete=version.state == VersionState.obsolete
        ),
        etag=version.sha256,
        conditional=True,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Document-Version-State"] = version.state
    return response
