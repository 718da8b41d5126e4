"""A document's full record for an auditor, as one ZIP: every version's
file with its sha256, the signatures, the audit events, and a manifest
listing each file with its sha256 (admins only; the export is audited)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from sqlalchemy import select

from app.approval.models import Signature
from app.audit import AuditEvent, record_event
from app.auth.models import User
from app.db import utcnow
from app.documents.filenames import sanitize_filename
from app.documents.models import Document
from app.errors import N_, NotFound, PermissionDenied
from app.extensions import db
from app.storage import get_store


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def _version_entry(version, path: str | None) -> dict:
    return {
        "number": version.number,
        "revision": version.revision,
        "state": version.state,
        "sha256": version.sha256,
        "size": version.size,
        "filename": version.filename,
        "media_type": version.media_type,
        "author": version.author.email,
        "created_at": _when(version.created_at),
        "submitted_at": _when(version.submitted_at),
        "effective_on": str(version.effective_on) if version.effective_on else None,
        "effective_at": _when(version.effective_at),
        "obsolete_at": _when(version.obsolete_at),
        "change_note": version.change_note,
        "change_reason": version.change_reason,
        "affected_documents": version.affected_documents or [],
        "file": path,
    }


def _signature_entry(signature: Signature, number: int) -> dict:
    return {
        "version": number,
        "signer": signature.signer.email,
        "signer_name": signature.signer.name,
        "role": signature.role,
        "meaning": signature.meaning,
        "method": signature.method,
        "sha256": signature.sha256,
        "signed_at": _when(signature.signed_at),
        "comment": signature.comment,
    }


def _event_entry(event: AuditEvent) -> dict:
    return {
        "id": event.id,
        "chain_seq": event.chain_seq,
        "at": _when(event.at),
        "actor": event.actor.email if event.actor else None,
        "verb": event.verb,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "comment": event.comment,
        "details": event.details,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def export_record(actor: User, document_id: int) -> tuple[str, bytes]:
    """(file name, ZIP bytes). Missing blob files are listed as missing in
    the manifest rather than failing the export."""
    if not actor.has_role("admin"):
        raise PermissionDenied(N_("only an admin may export a document's record"))
    document = db.session.get(Document, document_id)
    if document is None:
        raise NotFound(N_("document %(document_id)s not found"), document_id=document_id)
    store = get_store()
    buffer = io.BytesIO()
    files: list[dict] = []
    versions, missing = [], []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def add(path: str, data: bytes) -> None:
            archive.writestr(path, data)
            files.append({"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})

        for version in document.versions:
            path: str | None = f"versions/{version.number:03d}-{sanitize_filename(version.filename)}"
            if store.exists(version.sha256):
                add(str(path), store.path(version.sha256).read_bytes())
            else:
                path = None
                missing.append(version.number)
            versions.append(_version_entry(version, path))
        by_id = {v.id: v.number for v in document.versions}
        signatures = [
            _signature_entry(s, by_id[s.version_id])
            for s in db.session.scalars(
                select(Signature).where(Signature.version_id.in_(by_id)).order_by(Signature.id)
            )
        ]
        events = [
            _event_entry(e)
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.document_id == document.id).order_by(AuditEvent.id)
            )
        ]
        add("signatures.json", json.dumps(signatures, ensure_ascii=False, indent=1).encode())
        add("audit_events.json", json.dumps(events, ensure_ascii=False, indent=1).encode())
        manifest = {
            "document": {
                "id": document.id,
                "number": document.number,
                "title": document.title,
                "category": document.category,
                "doc_type": document.doc_type,
                "department": document.department.code,
                "product": document.product,
                "revision": document.revision,
            },
            "exported_at": utcnow().isoformat(),
            "exported_by": actor.email,
            "versions": versions,
            "missing_files": missing,
            "files": files,
        }
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    record_event(actor, "export_record", document, details={"files": len(files), "missing": missing})
    db.session.flush()
    return f"{document.number}-record.zip", buffer.getvalue()
