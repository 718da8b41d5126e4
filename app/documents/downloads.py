"""Sending a version's bytes (shared by the API and the pages): PDFs, and
DOCX files not in force, stamped as controlled copies for whoever
downloads them (app.documents.stamps); the original, unstamped, on request
to the owning department and admins."""

from __future__ import annotations

from flask import Response, send_file

from app.auth.models import User
from app.db import utcnow
from app.documents import stamps
from app.documents.filenames import download_name
from app.documents.models import DocumentVersion, VersionState
from app.documents.policy import can_get_original
from app.errors import N_, NotFound, PermissionDenied
from app.storage import get_store


def _name(version: DocumentVersion) -> str:
    return download_name(version.filename, version.number, obsolete=version.state == VersionState.obsolete)


def send_version(version: DocumentVersion, user: User | None = None, *, original: bool = False):
    store = get_store()
    if not store.exists(version.sha256):
        raise NotFound(N_("the stored file of this version is missing; restore it from a backup"))
    if original and (user is None or not can_get_original(user, version.document)):
        raise PermissionDenied(N_("the original, unstamped file is for the owning department and admins"))
    if user is not None and not original and stamps.needs_stamp(version):
        who = f"{user.name} <{user.email}>"
        data = stamps.stamped_bytes(
            version, store.path(version.sha256).read_bytes(), stamps.stamp_for(version, who, utcnow())
        )
        response = Response(
            data,
            mimetype=version.media_type,
            headers={"Content-Disposition": _disposition(_name(version)), "Cache-Control": "no-store"},
        )
        response.headers["X-Stamped"] = "true"
    else:
        response = send_file(
            store.path(version.sha256),
            mimetype=version.media_type,
            as_attachment=True,
            download_name=_name(version),
            etag=version.sha256,
            conditional=True,
            max_age=0,
        )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Document-Version-State"] = version.state
    response.headers["X-Original-SHA256"] = version.sha256
    return response


def _disposition(name: str) -> str:
    from urllib.parse import quote

    ascii_name = name.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def version_bytes(version: DocumentVersion, user: User) -> tuple[str, bytes]:
    """A version's download name and bytes as ``user`` would download them
    (stamped as a controlled copy where a download is); for a bundle of
    several files (a ZIP of a selection)."""
    store = get_store()
    if not store.exists(version.sha256):
        raise NotFound(N_("the stored file of this version is missing; restore it from a backup"))
    data = store.path(version.sha256).read_bytes()
    if stamps.needs_stamp(version):
        data = stamps.stamped_bytes(
            version, data, stamps.stamp_for(version, f"{user.name} <{user.email}>", utcnow())
        )
    return _name(version), data
