"""When a new version takes effect, the heads of the departments owning
documents that reference or implement it are told those may need review
(connected in ``create_app``)."""

from __future__ import annotations

from app.auth.service import users_with_role
from app.documents.models import DocumentVersion, VersionState
from app.documents.relations import referencing
from app.errors import N_
from app.notify.service import notify


def on_state_changed(version: DocumentVersion, *, to_state: str, **_) -> None:
    if to_state != VersionState.effective or version.number == 1:
        return
    for document in referencing(version.document):
        heads = users_with_role("dept_head", document.department_id)
        notify(
            heads,
            "may_need_review",
            N_(
                "%(version_label)s %(version_document_title)s took effect: %(document_number)s %(document_title)s refers to it and may need review"
            ),
            f"/documents/{document.id}",
            version_label=version.label,
            version_document_title=version.document.title,
            document_number=document.number,
            document_title=document.title,
        )
