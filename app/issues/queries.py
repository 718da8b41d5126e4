"""Read-side queries about problem reports used by other features."""

from __future__ import annotations

from sqlalchemy import select

from app.documents.models import Document, DocumentVersion
from app.extensions import db
from app.issues.models import Issue, IssueLink


def issues_linked_to_document(document: Document) -> list[dict]:
    rows = db.session.execute(
        select(Issue.id, Issue.title, Issue.state, DocumentVersion.number, IssueLink.relation)
        .join(IssueLink, IssueLink.issue_id == Issue.id)
        .join(DocumentVersion, DocumentVersion.id == IssueLink.version_id)
        .where(DocumentVersion.document_id == document.id)
        .order_by(Issue.id, DocumentVersion.number)
    ).all()
    return [
        {"id": r[0], "title": r[1], "state": r[2], "version": r[3], "relation": r[4]}
        for r in rows
    ]
