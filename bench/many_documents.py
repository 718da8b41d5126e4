"""Many documents at once, for the page benchmark and the browser journeys
over long lists: rows inserted directly (one version each, sharing one
stored file of the demo data), not through the upload path, so 20,000 take
seconds. Titles and products are varied and deterministic."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select

from bench.corpus import PRODUCTS

SUBJECTS = ["Operating Manual", "Assembly Procedure", "Inspection Standard", "Wiring Diagram", "Test Specification",
            "Maintenance Guide", "Packaging Instruction", "Calibration Record", "說明書", "作業指導書", "检验规范"]


def insert_documents(
    count: int, *, seed: int = 18, prefix: str = "BULK", drafts_every: int = 7, author_email: str | None = None
) -> int:
    """Insert ``count`` documents with one version each (effective, or a draft
    every ``drafts_every``-th) into the current app's database. Returns the count."""
    from app.auth.models import Department, User
    from app.documents.models import DOC_TYPES, Document, DocumentVersion
    from app.extensions import db

    rng = random.Random(seed)
    blob = db.session.execute(
        select(DocumentVersion.sha256, DocumentVersion.filename, DocumentVersion.media_type, DocumentVersion.size)
        .order_by(DocumentVersion.id)
        .limit(1)
    ).one()
    departments = db.session.scalars(select(Department.id).order_by(Department.id)).all()
    author = db.session.scalar(
        select(User.id).where(User.email == author_email) if author_email else select(User.id).order_by(User.id)
    )
    start = (db.session.scalar(select(func.max(Document.id))) or 0) + 1
    now = datetime.now(UTC)
    documents, versions = [], []
    for n in range(start, start + count):
        changed = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 400))
        category = rng.choice(["technical", "quality", "market"])
        documents.append({
            "id": n, "number": f"{prefix}-{n:06d}", "title": f"{rng.choice(PRODUCTS)} {rng.choice(SUBJECTS)} {n}",
            "category": category, "doc_type": rng.choice(DOC_TYPES[category]),
            "product": rng.choice(PRODUCTS), "department_id": rng.choice(departments), "important": False,
            "confidentiality": "internal" if rng.random() > 0.05 else "restricted",
            "review_due": date.today() + timedelta(days=rng.randrange(-60, 700)),
            "created_by_id": author, "created_at": changed, "updated_at": changed,
        })
        draft = n % drafts_every == 0
        versions.append({
            "document_id": n, "number": 1, "sha256": blob.sha256, "filename": blob.filename,
            "media_type": blob.media_type, "size": blob.size, "text": "", "author_id": author,
            "state": "draft" if draft else "effective", "created_at": changed,
            "effective_at": None if draft else changed,
        })
    for i in range(0, count, 2000):
        db.session.execute(insert(Document), documents[i : i + 2000])
        db.session.execute(insert(DocumentVersion), versions[i : i + 2000])
    db.session.commit()
    return count
