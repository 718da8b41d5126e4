"""Backups: create, verify, restore, list, prune.

A backup is one directory ``doctrack-<UTC time>`` under the backup dir:
``database.sqlite3`` (SQLite online backup API) or ``database.pgdump``
(pg_dump custom format, taken from an exported snapshot so the row counts
match the dump exactly), the blobs the snapshot refers to under
``blobs/ab/cd/<sha256>``, and ``manifest.json``. It is written as
``.tmp-<name>`` and renamed only when complete. The search index is not
backed up: it is rebuilt from the database after a restore.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask

from app.backup import manifest
from app.backup.retention import to_keep
from app.errors import N_, BadRequest
from app.storage import LocalBlobStore

NAME_FORMAT = "doctrack-%Y%m%dT%H%M%SZ"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
STATUS_SUFFIX = ".verified.json"


class BackupError(BadRequest):
    code = "backup_failed"


# Database helpers ---------------------------------------------------------------


def database_kind(url: str) -> str:
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith("postgresql"):
        return "postgresql"
    raise BackupError(N_("backups support SQLite and PostgreSQL, not %(value)s"), value=url.split(":")[0])


def sqlite_path(url: str) -> Path:
    return Path(url.split("///", 1)[1])


def libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _table_names(app: Flask) -> list[str]:
    from app.extensions import db

    with app.app_context():
        return [t.name for t in db.metadata.sorted_tables] + ["alembic_version"]


def _read_snapshot(
    cursor_execute, tables: list[str], existing: set[str]
) -> tuple[dict, str | None, list[str]]:
    counts = {t: cursor_execute(f'SELECT count(*) FROM "{t}"')[0][0] for t in tables if t in existing}
    revision = None
    if "alembic_version" in existing:
        rows = cursor_execute("SELECT version_num FROM alembic_version")
        revision = rows[0][0] if rows else None
    shas = (
        [r[0] for r in cursor_execute("SELECT sha256 FROM blob ORDER BY sha256")]
        if "blob" in existing
        else []
    )
    return counts, revision, shas


def _snapshot_sqlite(url: str, out: Path, tables: list[str]):
    source = sqlite3.connect(sqlite_path(url))
    target = sqlite3.connect(out)
    try:
        source.backup(target)  # online and consistent while others write
    finally:
        source.close()
    try:
        existing = {r[0] for r in target.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return _read_snapshot(lambda sql: target.execute(sql).fetchall(), tables, existing)
    finally:
        target.close()


def _snapshot_postgres(url: str, out: Path, tables: list[str]):
    import psycopg

    with psycopg.connect(libpq_url(url)) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot()")
            row = cur.fetchone()
            assert row is not None  # pg_export_snapshot() always answers
            snapshot = row[0]
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            existing = {r[0] for r in cur.fetchall()}

            def run(sql):
                cur.execute(sql)
                return cur.fetchall()

            counts, revision, shas = _read_snapshot(run, tables, existing)
            # pg_dump reads the very snapshot the counts came from.
            result = subprocess.run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    f"--snapshot={snapshot}",
                    "--file",
                    str(out),
                    "--dbname",
                    libpq_url(url),
                ],
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise BackupError(N_("pg_dump failed: %(value)s"), value=result.stderr.strip())
    return counts, revision, shas


# Create -------------------------------------------------------------------------


def _copy_blob(store: LocalBlobStore, sha: str, directory: Path) -> dict:
    relative = Path("blobs") / sha[:2] / sha[2:4] / sha
    target = directory / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    source = store.path(sha)
    if not source.is_file():
        raise BackupError(N_("blob %(sha)s is referenced by the database but missing from storage"), sha=sha)
    shutil.copyfile(source, target)
    digest = manifest.sha256_file(target)
    if digest != sha:
        raise BackupError(
            N_("blob %(sha)s in storage is corrupt (its content hashes to %(digest)s)"),
            sha=sha,
            digest=digest,
        )
    return {"path": str(relative), "size": target.stat().st_size, "sha256": digest}


def _fsync_tree(directory: Path) -> None:
    for path in sorted(directory.rglob("*"), reverse=True):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def create_backup(app: Flask, to: str | Path | None = None) -> Path:
    from app import __version__

    config = app.config
    root = Path(to or config["BACKUP_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    name = now.strftime(NAME_FORMAT)
    suffix = 1
    while (root / name).exists():
        suffix += 1
        name = f"{now.strftime(NAME_FORMAT)}-{suffix}"
    tmp = root / f".tmp-{name}"
    tmp.mkdir()
    try:
        url = config["SQLALCHEMY_DATABASE_URI"]
        kind = database_kind(url)
        tables = _table_names(app)
        database_file = SQLITE_FILE if kind == "sqlite" else PG_FILE
        snapshot = _snapshot_sqlite if kind == "sqlite" else _snapshot_postgres
        counts, revision, shas = snapshot(url, tmp / database_file, tables)
        store = LocalBlobStore(config["STORAGE_DIR"])
        files = [
            {
                "path": database_file,
                "size": (tmp / database_file).stat().st_size,
                "sha256": manifest.sha256_file(tmp / database_file),
            }
        ]
        files += [_copy_blob(store, sha, tmp) for sha in shas]
        manifest.write(
            tmp,
            {
                "format": manifest.FORMAT,
                "app_version": __version__,
                "schema_revision": revision,
                "database": kind,
                "created_at": now.isoformat(),
                "row_counts": counts,
                "files": files,
            },
        )
        _fsync_tree(tmp)
        final = root / name
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    record_verification(final)
    return final


# Verify, list, prune -------------------------------------------------------------


def verify_backup(path: str | Path) -> list[str]:
    path = Path(path)
    if not path.is_dir():
        return [f"{path}: not a backup directory"]
    return manifest.problems(path)


def record_verification(path: Path) -> list[str]:
    found = verify_backup(path)
    status = {"verified_at": datetime.now(UTC).isoformat(), "ok": not found, "problems": found}
    (path.parent / (path.name + STATUS_SUFFIX)).write_text(json.dumps(status))
    return found


@dataclass
class BackupInfo:
    name: str
    path: Path
    created_at: datetime
    size: int
    verified: bool | None
    verified_at: str | None

    @property
    def age_seconds(self) -> float:
        return (datetime.now(UTC) - self.created_at).total_seconds()

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "path": str(self.path),
            "created_at": self.created_at.isoformat(),
            "size": self.size,
            "age_seconds": round(self.age_seconds),
            "verified": self.verified,
            "verified_at": self.verified_at,
        }


def list_backups(root: str | Path) -> list[BackupInfo]:
    root = Path(root)
    if not root.is_dir():
        return []
    found = []
    for path in root.iterdir():
        if not path.is_dir() or not path.name.startswith("doctrack-"):
            continue  # .tmp-* are unfinished and never listed
        try:
            created = datetime.strptime(path.name[:25], NAME_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            continue
        status_file = root / (path.name + STATUS_SUFFIX)
        status = json.loads(status_file.read_text()) if status_file.exists() else {}
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        found.append(BackupInfo(path.name, path, created, size, status.get("ok"), status.get("verified_at")))
    return sorted(found, key=lambda b: b.created_at, reverse=True)


def prune(root: str | Path, *, daily: int, weekly: int, monthly: int, dry_run: bool = False) -> list[str]:
    backups = list_backups(root)
    keep = to_keep([b.created_at for b in backups], daily=daily, weekly=weekly, monthly=monthly)
    removed = []
    for backup in backups:
        if backup.created_at in keep:
            continue
        removed.append(backup.name)
        if not dry_run:
            shutil.rmtree(backup.path)
            (backup.path.parent / (backup.name + STATUS_SUFFIX)).unlink(missing_ok=True)
    return removed


def newest_good(root: str | Path) -> BackupInfo | None:
    return next((b for b in list_backups(root) if b.verified), None)
