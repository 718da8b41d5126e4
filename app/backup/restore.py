"""Restore a backup into an instance, check it, and rebuild the index."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import func, inspect, select, table, text

from app.backup import manifest
from app.backup.service import (
    N_,
    PG_FILE,
    SQLITE_FILE,
    BackupError,
    database_kind,
    libpq_url,
    sqlite_path,
    verify_backup,
)
from app.storage import LocalBlobStore

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def _scripts(app: Flask) -> ScriptDirectory:
    config = app.extensions["migrate"].migrate.get_config(str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def check_revision(app: Flask, revision: str | None) -> bool:
    """True when the backup needs an upgrade; refuses a revision this code
    does not know (a backup from newer code)."""
    scripts = _scripts(app)
    head = scripts.get_current_head()
    if revision is None:
        raise BackupError(
            N_(
                "the backup has no schema revision (its database was not created by 'flask db upgrade'); it cannot be restored safely"
            )
        )
    if revision == head:
        return False
    known = {script.revision for script in scripts.walk_revisions()}
    if revision not in known:
        raise BackupError(
            N_(
                "the backup's schema revision %(revision)s is newer than this Doctrack (its newest is %(head)s): upgrade Doctrack before restoring"
            ),
            revision=revision,
            head=head,
        )
    return True


def _is_empty(app: Flask, store: LocalBlobStore) -> bool:
    from app.extensions import db

    names = set(inspect(db.engine).get_table_names())
    with db.engine.connect() as conn:
        for name in names - {"alembic_version"}:
            if conn.execute(select(func.count()).select_from(table(name))).scalar():
                return False
    return next(store.iter_hashes(), None) is None


def _restore_database(kind: str, url: str, backup: Path) -> None:
    if kind == "sqlite":
        target = sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".restoring")
        shutil.copyfile(backup / SQLITE_FILE, tmp)
        for stale in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
            stale.unlink(missing_ok=True)
        os.replace(tmp, target)
        return
    result = subprocess.run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--exit-on-error",
            "--dbname",
            libpq_url(url),
            str(backup / PG_FILE),
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(N_("pg_restore failed: %(value)s"), value=result.stderr.strip())
    analyze_database(url)


def analyze_database(url: str) -> None:
    """The planner's statistics for the restored tables (pg_restore does not
    restore them). Until autovacuum gets to each table, and on a server that
    runs none, the planner would keep empty-table estimates and choose nested
    loops over a full database: the approval inbox with 900 versions waiting
    took 75 ms without statistics and 8.5 ms with them."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()


def _restore_blobs(body: dict, backup: Path, store: LocalBlobStore) -> int:
    count = 0
    store.tmp.mkdir(parents=True, exist_ok=True)
    store.blobs.mkdir(parents=True, exist_ok=True)
    for entry in body["files"]:
        if not entry["path"].startswith("blobs/"):
            continue
        sha = entry["sha256"]
        if not store.exists(sha):
            staged = store.tmp / f"restore-{sha}"
            shutil.copyfile(backup / entry["path"], staged)
            store.put_file(staged, sha)
        count += 1
    return count


def _check(body: dict, store: LocalBlobStore) -> list[str]:
    from app.extensions import db

    found = []
    with db.engine.connect() as conn:
        for name, expected in body["row_counts"].items():
            actual = conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar()
            if actual != expected:
                found.append(f"table {name}: {actual} rows restored, {expected} in the backup")
    for entry in body["files"]:
        if entry["path"].startswith("blobs/") and not (
            store.exists(entry["sha256"]) and store.verify(entry["sha256"])
        ):
            found.append(f"{entry['path']}: not restored intact")
    return found


def restore_backup(
    path: str | Path,
    *,
    config: dict | None = None,
    into: str | Path | None = None,
    database_url: str | None = None,
    storage_dir: str | Path | None = None,
    force: bool = False,
) -> dict:
    """Restore the backup at ``path`` where the configuration ``config``
    (the running app's; the environment's when None) keeps its data: its
    database, its storage directory, its instance folder. ``into``,
    ``database_url`` and ``storage_dir`` override one each, so a restored
    instance started with the same configuration serves every file."""
    from app import create_app
    from app.extensions import db
    from app.search.indexer import rebuild

    backup = Path(path)
    problems = verify_backup(backup)
    if problems:
        raise BackupError(N_("the backup does not verify: %(problems)s"), problems="; ".join(problems))
    body = manifest.read(backup)
    base = config or {}
    overrides = {
        "INSTANCE_DIR": str(Path(into).resolve()) if into else base.get("INSTANCE_DIR"),
        "STORAGE_DIR": str(Path(storage_dir).resolve()) if storage_dir else base.get("STORAGE_DIR"),
        "DATABASE_URL": database_url or base.get("SQLALCHEMY_DATABASE_URI"),
    }
    target = create_app({key: value for key, value in overrides.items() if value})
    into = Path(target.config["INSTANCE_DIR"])
    storage = Path(target.config["STORAGE_DIR"])
    url = target.config["SQLALCHEMY_DATABASE_URI"]
    kind = database_kind(url)
    if kind != body["database"]:
        raise BackupError(
            N_("this is a %(body)s backup; it restores onto %(body)s, not onto %(kind)s"),
            body=body["database"],
            kind=kind,
        )
    if kind == "sqlite":
        sqlite_path(url).parent.mkdir(parents=True, exist_ok=True)
    store = LocalBlobStore(storage)
    with target.app_context():
        needs_upgrade = check_revision(target, body.get("schema_revision"))
        if not force and not _is_empty(target, store):
            raise BackupError(
                N_("the target instance %(into)s is not empty; use --force to replace it"), into=into
            )
        db.engine.dispose()
        _restore_database(kind, url, backup)
        blobs = _restore_blobs(body, backup, store)
        db.engine.dispose()
        found = _check(body, store)
        if found:
            raise BackupError(
                N_("restored data does not match the backup: %(found)s"), found="; ".join(found)
            )
        if needs_upgrade:
            from flask_migrate import upgrade

            upgrade(directory=str(MIGRATIONS))
        # Every node's index describes the replaced database: unregister all
        # of them from the change log, so each rebuilds (this one right here).
        from sqlalchemy import delete

        from app.search.models import IndexNode

        db.session.execute(delete(IndexNode))
        db.session.commit()
        index = rebuild(target.config)
    return {
        "database": kind,
        "tables": len(body["row_counts"]),
        "rows": sum(body["row_counts"].values()),
        "blobs": blobs,
        "upgraded": needs_upgrade,
        "indexed": index,
        "instance": str(into),
        "storage": str(storage),
    }
