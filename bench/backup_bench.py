"""Backup and restore time for the demo data set and for N documents.

    .venv/bin/python -m bench.backup_bench              # SQLite; demo + 5,000 documents
    .venv/bin/python -m bench.backup_bench --postgres postgresql://postgres@127.0.0.1:5432/test

Documents are created through the real service (each a distinct small
text file, so each has its own blob), half of them approved, so the
database, the blob store and the audit trail all grow as in use.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

from bench.pg import scratch_database


def make_instance(work: Path, label: str, postgres: str | None):
    from flask_migrate import upgrade

    from app import create_app

    url = scratch_database(postgres, f"doctrack_bench_{label}") if postgres else f"sqlite:///{work / label / 'doctrack.db'}"
    app = create_app({"INSTANCE_DIR": str(work / label), "STORAGE_DIR": str(work / label / "storage"),
                      "DATABASE_URL": url, "SECRET_KEY": "bench", "SEARCH_INLINE_INDEXING": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "BACKUP_DIR": str(work / "backups")})
    with app.app_context():
        upgrade()
    return app


def load_documents(app, count: int) -> None:
    from app.approval.service import act
    from app.auth import service as auth
    from app.documents import service as documents
    from app.extensions import db

    with app.app_context():
        auth.create_department("RD", "R&D")
        author = auth.create_user("a@bench.local", name="A", department_code="RD", roles=["author"],
                                  password="bench-password")
        head = auth.create_user("h@bench.local", name="H", department_code="RD", roles=["dept_head"],
                                password="bench-password")
        db.session.commit()
        for n in range(count):
            body = f"文件 {n}：X200 控制器說明 第 {n} 版，扭力 1.{n % 10} N·m。\n" * 20
            document = documents.create_document(
                author, documents.DocumentFields(title=f"Bench document {n}", category="technical",
                                                 doc_type="manual", department="RD"),
                documents.Upload(io.BytesIO(body.encode()), f"doc-{n}.txt"), "bench")
            if n % 2 == 0:
                act(document.versions[0], "submit", actor=author)
                act(document.versions[0], "approve", actor=head, system=True)
            if n % 200 == 199:
                db.session.commit()
                db.session.expunge_all()
                author, head = db.session.merge(author), db.session.merge(head)
        db.session.commit()


def measure(app, work: Path, label: str, postgres: str | None) -> dict:
    from app.backup.restore import restore_backup
    from app.backup.service import create_backup

    with app.app_context():
        started = time.perf_counter()
        path = create_backup(app, work / "backups" / label)
        backup_s = time.perf_counter() - started
    size_mb = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6
    target_url = scratch_database(postgres, f"doctrack_bench_{label}_restore") if postgres else None
    started = time.perf_counter()
    result = restore_backup(path, into=work / f"{label}-restored", database_url=target_url,
                            storage_dir=work / f"{label}-restored" / "storage")
    restore_s = time.perf_counter() - started
    return {"backup_s": backup_s, "restore_s": restore_s, "size_mb": size_mb, "rows": result["rows"],
            "blobs": result["blobs"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--postgres", help="a PostgreSQL URL whose server may host scratch databases")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="doctrack-backup-bench-"))
    kind = "PostgreSQL" if args.postgres else "SQLite"
    rows = []
    demo = make_instance(work, "demo", args.postgres)
    with demo.app_context():
        from app.demo.loader import load_demo

        load_demo()
    rows.append(("demo data set", measure(demo, work, "demo", args.postgres)))
    big = make_instance(work, "big", args.postgres)
    started = time.perf_counter()
    load_documents(big, args.n)
    print(f"loaded {args.n} documents in {time.perf_counter() - started:.0f} s", flush=True)
    rows.append((f"{args.n:,} documents", measure(big, work, "big", args.postgres)))
    print(f"\n{kind}: backup = snapshot + blob copy + manifest; restore = verify + load + checks + index rebuild\n")
    print("| data set | rows | blobs | backup size | backup s | restore s |")
    print("|---|---|---|---|---|---|")
    for label, m in rows:
        print(f"| {label} | {m['rows']:,} | {m['blobs']:,} | {m['size_mb']:.1f} MB | {m['backup_s']:.2f} | "
              f"{m['restore_s']:.2f} |")


if __name__ == "__main__":
    main()
