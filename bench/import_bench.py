"""Legacy folder import speed: files per second for a generated folder.

    .venv/bin/python -m bench.import_bench              # N = 500 files, SQLite
    .venv/bin/python -m bench.import_bench --n 300

The folder holds N small office-like files, half DOCX (made with
python-docx) and half plain text, as versions of N/3 documents (three
versions each, the last effective). The import runs through the service
with the real extraction (each DOCX in its sandboxed child process), one
commit per file, as ``flask import folder`` does.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path


def make_folder(root: Path, count: int) -> Path:
    from docx import Document as DocxDocument

    root.mkdir(parents=True, exist_ok=True)
    mapping = root.parent / "mapping.csv"
    with open(mapping, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["path", "number", "title", "category", "type", "department", "product", "version",
             "effective_date", "state"]
        )
        for n in range(count):
            doc, version = divmod(n, 3)
            body = f"Legacy document {doc}, version {version + 1}: X200 torque 1.{n % 10} N·m. " * 10
            if n % 2 == 0:
                name = f"doc{doc:04d}/v{version + 1}.docx"
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                docx = DocxDocument()
                docx.add_heading(f"Legacy document {doc}", level=1)
                docx.add_paragraph(body)
                docx.save(str(root / name))
            else:
                name = f"doc{doc:04d}/v{version + 1}.txt"
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                (root / name).write_text(body + "\n", encoding="utf-8")
            last = version == 2 or n == count - 1
            writer.writerow(
                [name, f"LEG-MAN-{doc:05d}", f"Legacy document {doc}", "technical", "manual", "RD", "",
                 version + 1, "2020-01-01" if last else "", "effective" if last else "obsolete"]
            )
    return mapping


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="doctrack-import-bench-"))

    from flask_migrate import upgrade

    from app import create_app
    from app.auth import service as auth
    from app.documents import legacy_import
    from app.extensions import db

    app = create_app({"INSTANCE_DIR": str(work / "instance"), "STORAGE_DIR": str(work / "storage"),
                      "DATABASE_URL": f"sqlite:///{work / 'doctrack.db'}", "SECRET_KEY": "bench",
                      "SEARCH_INLINE_INDEXING": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    root = work / "legacy"
    started = time.perf_counter()
    mapping = make_folder(root, args.n)
    size_mb = sum(f.stat().st_size for f in root.rglob("*") if f.is_file()) / 1e6
    print(f"generated {args.n} files ({size_mb:.1f} MB) in {time.perf_counter() - started:.1f} s", flush=True)
    with app.app_context():
        upgrade()
        auth.create_department("RD", "R&D")
        auth.create_user("admin@bench.local", name="Admin", department_code="RD", roles=["admin"],
                         password="bench-password")
        db.session.commit()
        rows = legacy_import.read_mapping(mapping)
        state = legacy_import.ImportState(root / legacy_import.STATE_FILE)
        started = time.perf_counter()
        outcomes = list(legacy_import.run_import("admin@bench.local", root, rows, state))
        elapsed = time.perf_counter() - started
        summary = legacy_import.summarize(outcomes)
        started = time.perf_counter()
        again = legacy_import.summarize(list(legacy_import.run_import("admin@bench.local", root, rows, state)))
        rerun = time.perf_counter() - started
    print("\nSQLite, one commit per file, extraction in the sandbox child\n")
    print("| corpus | imported | refused | import s | files/s | re-run (all skipped) s |")
    print("|---|---|---|---|---|---|")
    print(f"| {args.n:,} files ({size_mb:.1f} MB, half DOCX) | {summary.imported} | {len(summary.refused)} | "
          f"{elapsed:.1f} | {summary.imported / elapsed:.1f} | {rerun:.2f} (skipped {again.skipped}) |")
    for outcome in summary.refused[:5]:
        print(f"refused {outcome.row.path}: {outcome.message}")


if __name__ == "__main__":
    main()
