"""What a document's number of versions costs the pages and API routes that
show it: 20 documents with 1, 10, 30 and 60 versions each (rows inserted
directly on top of the demo data, SQLite), median of ``--repeat`` requests
through the WSGI app (no network), with the health check measured in the
same run as the baseline, and the response size.

    .venv/bin/python -m bench.versions_bench [--repeat 20] [--versions 1,10,30,60]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.pages_bench import timed_gets

DOCUMENTS = 20


def insert_versioned(versions: int, product: str) -> int:
    """``DOCUMENTS`` documents of ``product``, each with ``versions``
    versions (the last effective, the others obsolete). Returns the first id."""
    from sqlalchemy import func, insert, select

    from app.auth.models import Department, User
    from app.documents.models import Document, DocumentVersion
    from app.extensions import db

    blob = db.session.execute(
        select(
            DocumentVersion.sha256, DocumentVersion.filename, DocumentVersion.media_type, DocumentVersion.size
        )
        .order_by(DocumentVersion.id)
        .limit(1)
    ).one()
    department = db.session.scalar(select(Department.id).order_by(Department.id))
    authors = db.session.scalars(select(User.id).order_by(User.id)).all()
    first = (db.session.scalar(select(func.max(Document.id))) or 0) + 1
    now = datetime.now(UTC)
    documents, rows = [], []
    for n in range(first, first + DOCUMENTS):
        documents.append(
            {
                "id": n,
                "number": f"VB-{n:06d}",
                "title": f"{product} manual {n}",
                "category": "technical",
                "doc_type": "manual",
                "product": product,
                "department_id": department,
                "important": False,
                "confidentiality": "internal",
                "created_by_id": authors[0],
                "created_at": now,
                "updated_at": now,
            }
        )
        for number in range(1, versions + 1):
            at = now - timedelta(days=versions - number)
            last = number == versions
            rows.append(
                {
                    "document_id": n,
                    "number": number,
                    "sha256": blob.sha256,
                    "filename": blob.filename,
                    "media_type": blob.media_type,
                    "size": blob.size,
                    "text": "",
                    "state": "effective" if last else "obsolete",
                    "author_id": authors[number % len(authors)],
                    "created_at": at,
                    "effective_at": at,
                    "obsolete_at": None if last else at + timedelta(days=1),
                    "change_note": f"revision {number}",
                }
            )
    db.session.execute(insert(Document), documents)
    db.session.execute(insert(DocumentVersion), rows)
    db.session.commit()
    return first


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--versions", default="1,10,30,60")
    options = parser.parse_args()

    from flask_migrate import upgrade

    from app import create_app
    from app.demo.loader import load_demo

    work = Path(tempfile.mkdtemp(prefix="doctrack-versions-"))
    app = create_app(
        {
            "INSTANCE_DIR": str(work),
            "STORAGE_DIR": str(work / "storage"),
            "SECRET_KEY": "bench",
            "DATABASE_URL": f"sqlite:///{work / 'doctrack.db'}",
            "WTF_CSRF_ENABLED": False,
        }
    )
    counts = [int(v) for v in options.versions.split(",")]
    firsts = {}
    with app.app_context():
        upgrade()
        load_demo()
        for versions in counts:
            firsts[versions] = insert_versioned(versions, f"VB{versions}")
    client = app.test_client()
    client.post("/login", data={"email": "admin@doctrack.local", "password": "demo-admin-pass"})

    def measure(path: str) -> tuple[float, int]:
        size = len(client.get(path).data)  # also warms the caches
        return statistics.median(timed_gets(client, path, options.repeat)), size

    base, _size = measure("/api/v1/health")
    print(
        f"\n{DOCUMENTS} documents a page (SQLite), median of {options.repeat} requests; "
        f"health check {base:.1f} ms\n"
    )
    print(
        "| versions each | API list ms (KB) | web list ms | API document ms | web document ms | list ÷ health |"
    )
    print("|---|---|---|---|---|---|")
    for versions in counts:
        api_list, size = measure(f"/api/v1/documents?product=VB{versions}&per_page={DOCUMENTS}")
        web_list, _ = measure(f"/documents/?product=VB{versions}")
        api_doc, _ = measure(f"/api/v1/documents/{firsts[versions]}")
        web_doc, _ = measure(f"/documents/{firsts[versions]}")
        print(
            f"| {versions} | {api_list:.1f} ({size / 1024:.0f}) | {web_list:.1f} | {api_doc:.1f} | {web_doc:.1f} "
            f"| {api_list / base:.1f} |"
        )


if __name__ == "__main__":
    main()
