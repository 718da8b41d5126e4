"""Backups: round trip under concurrent writes, tampering, refusals,
scheduler, health, admin access. On SQLite, and on PostgreSQL when
DOCTRACK_TEST_DATABASE_URL is set (scratch databases per test)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import inspect

from app import create_app
from app.backup import manifest, service
from app.backup.restore import restore_backup
from app.backup.scheduler import make_scheduler, run_backup_job
from app.extensions import db
from tests import factories
from tests.databases import PG_URL, create_database, drop_database


class Scratch:
    """Throwaway databases: SQLite files, or PostgreSQL databases."""

    def __init__(self, tmp_path: Path, worker_id: str):
        self.tmp_path, self.worker_id, self.created = tmp_path, worker_id, []

    def url(self, label: str) -> str:
        if not PG_URL:
            return f"sqlite:///{self.tmp_path / label / 'doctrack.db'}"
        name = f"doctrack_backup_{label}_{self.worker_id}"
        self.created.append(name)
        return create_database(name)

    def close(self):
        for name in self.created:
            drop_database(name)


@pytest.fixture
def scratch(tmp_path, worker_id):
    databases = Scratch(tmp_path, worker_id)
    yield databases
    databases.close()


def make_instance(tmp_path: Path, scratch: Scratch, label: str):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "INSTANCE_DIR": str(tmp_path / label),
            "STORAGE_DIR": str(tmp_path / label / "storage"),
            "DATABASE_URL": scratch.url(label),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "BACKUP_DIR": str(tmp_path / "backups"),
        }
    )
    with app.app_context():
        upgrade()
    return app


def restored_app(target_dir: Path, url: str):
    """The application on what ``restore_backup`` put in ``target_dir`` and ``url``."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "INSTANCE_DIR": str(target_dir),
            "STORAGE_DIR": str(target_dir / "storage"),
            "DATABASE_URL": url,
        }
    )


def fill(app):
    """Documents with versions and approvals, problem reports with links,
    comments and audit events."""
    from app.approval.service import act
    from app.issues import service as issues

    with app.app_context():
        author = factories.make_user("author", "RD")
        head = factories.make_user("dept_head", "RD")
        support = factories.make_user("support", "CS")
        qc = factories.make_user("qc", "QC")
        docs = []
        for n in range(4):
            document = factories.make_document(author, title=f"手冊 {n}", content=f"版本一 {n}\n")
            factories.add_version(document, author, f"版本二 {n} 扭力 1.5 N·m\n")
            act(document.versions[0], "submit", actor=author)
            act(document.versions[0], "approve", actor=head, system=True)
            db.session.commit()
            docs.append(document)
        issue = issues.create_issue(support, {"title": "X200 過熱", "source": "internal"})
        issues.act(
            issue, "triage", actor=support, fields={"category": "quality", "severity": 1, "department": "RD"}
        )
        issues.add_comment(qc, issue, "已寄回分析")
        issues.add_link(support, issue, docs[0].id, 1, "manual")
        db.session.commit()


def table_rows(app) -> dict[str, dict]:
    with app.app_context():
        engine = db.engine
        rows = {}
        with engine.connect() as conn:
            for table in db.metadata.sorted_tables:
                key = [c.name for c in table.primary_key.columns]
                result = conn.execute(table.select()).mappings().all()
                rows[table.name] = {tuple(r[k] for k in key): dict(r) for r in result}
        return rows


def test_round_trip_while_writes_continue(tmp_path, scratch):
    source = make_instance(tmp_path, scratch, "source")
    fill(source)
    before = table_rows(source)
    stop = threading.Event()
    writing = threading.Event()
    written = []

    def keep_writing():
        with source.app_context():
            author = factories.make_user("author", "RD")
            n = 0
            while not stop.is_set() and n < 200:
                document = factories.make_document(
                    author, title=f"concurrent {n}", content=f"concurrent {n}\n"
                )
                written.append(document.id)
                writing.set()
                n += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    # The backup starts once the writer is committing (a small backup can
    # otherwise finish before the writer's first document).
    assert writing.wait(60), "the writer thread made no change"
    try:
        path = service.create_backup(source)
    finally:
        stop.set()
        writer.join(60)
    assert written, "the writer thread made no change during the test"
    assert service.verify_backup(path) == []
    body = manifest.read(path)
    head = ScriptDirectory(str(Path(__file__).resolve().parents[2] / "migrations")).get_current_head()
    assert body["schema_revision"] == head and body["database"] in ("sqlite", "postgresql")

    target_dir = tmp_path / "restored"
    url = scratch.url("target")
    result = restore_backup(path, into=target_dir, database_url=url, storage_dir=target_dir / "storage")
    assert result["rows"] == sum(body["row_counts"].values())
    target = restored_app(target_dir, url)
    restored = table_rows(target)
    after = table_rows(source)
    for name, rows in restored.items():
        if name in ("index_change", "index_node"):
            # The change log and its readers: the rebuild that ends every
            # restore registers the restoring node and prunes what it covered.
            continue
        assert len(rows) == body["row_counts"][name], name
        if name in ("audit_chain", "number_sequence"):
            # Counters the writer advances during the backup; the snapshot's chain must verify (below).
            continue
        # Everything committed before the backup came back, identical...
        for key, row in before[name].items():
            assert rows.get(key) == row, (name, key)
        # ...and every restored row is exactly a row of the source.
        for key, row in rows.items():
            assert after[name][key] == row, (name, key)
    with target.app_context():
        from app.audit import verify_chain

        checked, broken, _ = verify_chain()
        assert broken is None and checked == body["row_counts"]["audit_event"]
    # Every blob byte-for-byte.
    source_blobs = Path(source.config["STORAGE_DIR"]) / "blobs"
    for entry in body["files"]:
        if entry["path"].startswith("blobs/"):
            restored_blob = target_dir / "storage" / entry["path"]
            assert restored_blob.read_bytes() == (source_blobs / entry["path"][6:]).read_bytes()
    # The index was rebuilt from the restored database.
    with target.app_context():
        from app.auth.models import User
        from app.search.service import SearchArgs, search

        user = db.session.query(User).first()
        assert search(user, SearchArgs(q="版本一"))["total"] == 4
        target_engine = db.engine
        assert "alembic_version" in inspect(target_engine).get_table_names()
        db.engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL's planner statistics")
def test_a_restored_postgresql_database_has_its_planner_statistics(tmp_path, scratch):
    # pg_restore brings rows back, not the statistics the planner chooses
    # its plans by; without them (autovacuum comes late, or is off, as on
    # this project's machines) a full database is read with empty-table
    # plans: the approval inbox with 900 versions waiting took 75 ms, not 8.5.
    from sqlalchemy import text

    source = make_instance(tmp_path, scratch, "source")
    fill(source)
    path = service.create_backup(source)
    target_dir = tmp_path / "restored"
    url = scratch.url("target")
    restore_backup(path, into=target_dir, database_url=url, storage_dir=target_dir / "storage")
    target = restored_app(target_dir, url)
    with target.app_context():
        analysed = set(
            db.session.execute(
                text("SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = 'public'")
            ).scalars()
        )
        db.engine.dispose()
    assert {"document", "document_version", "issue", "audit_event"} <= analysed


def test_verify_names_a_changed_blob_and_a_changed_manifest(tmp_path, scratch):
    source = make_instance(tmp_path, scratch, "source")
    fill(source)
    path = service.create_backup(source)
    blob = next(p for p in (path / "blobs").rglob("*") if p.is_file())
    data = bytearray(blob.read_bytes())
    data[0] ^= 0xFF
    blob.write_bytes(bytes(data))
    manifest_path = path / manifest.MANIFEST
    text_body = manifest_path.read_text()
    manifest_path.write_text(text_body.replace('"app_version": "0.1.0"', '"app_version": "0.1.1"'))
    extra = path / "stray.txt"
    extra.write_text("x")
    (path / "database.sqlite3").unlink(missing_ok=True) if (path / "database.sqlite3").exists() else (
        path / "database.pgdump"
    ).unlink()
    problems = service.verify_backup(path)
    relative = str(blob.relative_to(path))
    assert any(p.startswith(relative) and "changed" in p for p in problems), problems
    assert any(p.startswith("manifest.json") and "changed" in p for p in problems), problems
    assert any(p.startswith("stray.txt") and "extra" in p for p in problems), problems
    assert any("missing" in p for p in problems), problems
    result = source.test_cli_runner().invoke(args=["backup", "verify", str(path)])
    assert result.exit_code != 0
    assert relative in result.output and "manifest.json" in result.output


def test_restore_refusals(tmp_path, scratch):
    source = make_instance(tmp_path, scratch, "source")
    fill(source)
    path = service.create_backup(source)
    # Non-empty target: the source itself.
    with pytest.raises(service.BackupError, match="not empty"):
        restore_backup(
            path,
            into=tmp_path / "source",
            database_url=source.config["SQLALCHEMY_DATABASE_URI"],
            storage_dir=source.config["STORAGE_DIR"],
        )
    # Cross database kinds.
    other = (
        "sqlite:///" + str(tmp_path / "x.db")
        if PG_URL
        else "postgresql+psycopg://postgres@127.0.0.1:5432/none"
    )
    with pytest.raises(service.BackupError, match="restores onto"):
        restore_backup(
            path, into=tmp_path / "cross", database_url=other, storage_dir=tmp_path / "cross-storage"
        )
    # A schema revision newer than the code.
    body = manifest.read(path)
    body["schema_revision"] = "9999_from_the_future"
    manifest.write(path, {k: v for k, v in body.items() if k != "manifest_sha256"})
    with pytest.raises(service.BackupError, match="newer than this Doctrack"):
        restore_backup(
            path,
            into=tmp_path / "future",
            database_url=scratch.url("future"),
            storage_dir=tmp_path / "future-storage",
        )
    # A backup that does not verify is never restored.
    (path / "manifest.json").write_text("{}")
    with pytest.raises(service.BackupError, match="does not verify"):
        restore_backup(
            path,
            into=tmp_path / "broken",
            database_url=scratch.url("broken"),
            storage_dir=tmp_path / "broken-storage",
        )


def test_unfinished_backup_never_looks_finished(tmp_path, scratch, monkeypatch):
    source = make_instance(tmp_path, scratch, "source")
    fill(source)

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(service, "_copy_blob", crash)
    with pytest.raises(OSError):
        service.create_backup(source)
    root = Path(source.config["BACKUP_DIR"])
    assert service.list_backups(root) == []
    assert [p.name for p in root.iterdir()] == []


def test_cli_create_list_prune(tmp_path, scratch):
    source = make_instance(tmp_path, scratch, "source")
    fill(source)
    runner = source.test_cli_runner()
    result = runner.invoke(args=["backup", "create"])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(args=["backup", "list"])
    assert "verified" in listed.output
    root = Path(source.config["BACKUP_DIR"])
    # Pretend older backups exist: copies with old names.
    import shutil

    newest = service.list_backups(root)[0].path
    for name in ("doctrack-20240101T020000Z", "doctrack-20240102T020000Z", "doctrack-20200101T020000Z"):
        shutil.copytree(newest, root / name)
    dry = runner.invoke(args=["backup", "prune", "--dry-run"])
    assert "would remove 0" in dry.output or "would remove" in dry.output
    source.config["BACKUP_KEEP_MONTHLY"] = 1
    source.config["BACKUP_KEEP_WEEKLY"] = 1
    source.config["BACKUP_KEEP_DAILY"] = 1
    pruned = runner.invoke(args=["backup", "prune"])
    assert pruned.exit_code == 0
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == [newest.name]


def test_scheduler_job_logs_failures_and_the_next_run_retries(tmp_path, scratch, monkeypatch):
    import logging

    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("doctrack.backup").addHandler(handler)
    source = make_instance(tmp_path, scratch, "source")
    fill(source)
    real = service.create_backup
    calls = {"n": 0}

    def flaky(app, to=None):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("backup disk not mounted")
        return real(app, to)

    monkeypatch.setattr("app.backup.scheduler.create_backup", flaky)
    assert run_backup_job(source) is False
    status = json.loads((Path(source.config["BACKUP_DIR"]) / "last_run.json").read_text())
    assert status["ok"] is False and "backup disk not mounted" in status["error"]
    assert any("backup disk not mounted" in r.getMessage() and r.levelname == "ERROR" for r in records)
    assert run_backup_job(source) is True
    assert len(service.list_backups(source.config["BACKUP_DIR"])) == 1
    logging.getLogger("doctrack.backup").removeHandler(handler)


def test_scheduler_uses_the_configured_cron(tmp_path):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "INSTANCE_DIR": str(tmp_path), "BACKUP_CRON": "30 3 * * 1"}
    )
    scheduler = make_scheduler(app)
    job = scheduler.get_jobs()[0]
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["minute"], fields["hour"], fields["day_of_week"]) == ("30", "3", "1")


def test_health_and_admin_api(tmp_path, scratch):
    source = make_instance(tmp_path, scratch, "source")
    client = source.test_client()
    with source.app_context():
        admin = factories.make_user("admin", "DA")
        author = factories.make_user("author", "RD")
        from app.auth.service import create_token

        admin_token, author_token = create_token(admin), create_token(author)
        db.session.commit()
    as_admin = {"Authorization": f"Bearer {admin_token}"}
    assert client.get("/api/v1/health", headers=as_admin).json["backup"] == "none"
    assert (
        client.get("/api/v1/backups", headers={"Authorization": f"Bearer {author_token}"}).status_code == 403
    )
    created = client.post("/api/v1/backups", headers={"Authorization": f"Bearer {admin_token}"})
    assert created.status_code == 201 and created.json["verified"] is True
    listed = client.get("/api/v1/backups", headers={"Authorization": f"Bearer {admin_token}"}).json["items"]
    assert [b["name"] for b in listed] == [created.json["name"]]
    health = client.get("/api/v1/health", headers=as_admin).json
    assert health["backup"] == created.json["name"] and health["backup_age_seconds"] < 60
    # Without a login (or without the admin role) only the status fields: no file names.
    for headers in ({}, {"Authorization": f"Bearer {author_token}"}):
        assert set(client.get("/api/v1/health", headers=headers).json) == {"status", "database", "index"}


def test_admin_page_lists_and_starts_backups(tmp_path, scratch):
    source = make_instance(tmp_path, scratch, "source")
    source.config["WTF_CSRF_ENABLED"] = False
    with source.app_context():
        admin_email = factories.make_user("admin", "DA").email
        author_email = factories.make_user("author", "RD").email
    client = source.test_client()
    client.post("/login", data={"email": author_email, "password": factories.DEFAULT_PASSWORD})
    assert client.get("/admin/backups/").status_code == 403
    client.post("/logout")
    client.post("/login", data={"email": admin_email, "password": factories.DEFAULT_PASSWORD})
    assert client.post("/admin/backups/").status_code == 302
    page = client.get("/admin/backups/").get_data(as_text=True)
    assert "doctrack-" in page and "Verified" in page


def test_restore_with_the_default_configuration_serves_every_file(tmp_path, monkeypatch):
    """`flask backup create`, lose everything, `flask backup restore PATH`
    with nothing but the defaults (./instance, ./storage, SQLite in the
    instance): the instance started again serves every version's bytes."""
    monkeypatch.chdir(tmp_path)
    for name in ("INSTANCE_DIR", "STORAGE_DIR", "DATABASE_URL", "BACKUP_DIR"):
        monkeypatch.delenv(f"DOCTRACK_{name}", raising=False)
    config = {
        "TESTING": True,
        "SECRET_KEY": "x",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "WTF_CSRF_ENABLED": False,
    }
    source = create_app(config)
    assert source.config["STORAGE_DIR"] == str(tmp_path / "storage")
    with source.app_context():
        upgrade()
        author = factories.make_user("author", "RD")
        email = author.email
        files = {
            factories.make_document(
                author, title=f"manual {n}", content=f"manual {n} text\n"
            ).id: f"manual {n} text\n".encode()
            for n in range(3)
        }
        created = source.test_cli_runner().invoke(
            args=["backup", "create", "--to", str(tmp_path / "backups")]
        )
        assert created.exit_code == 0, created.output
        path = created.output.strip().splitlines()[-1]
        db.engine.dispose()
    for lost in (tmp_path / "instance" / "doctrack.db", tmp_path / "storage"):
        if lost.is_dir():
            import shutil

            shutil.rmtree(lost)
        else:
            lost.unlink()

    restorer = create_app(config)
    with restorer.app_context():
        restored = restorer.test_cli_runner().invoke(args=["backup", "restore", path])
        assert restored.exit_code == 0, restored.output
        assert str(tmp_path / "storage") in restored.output
        db.engine.dispose()
    assert (tmp_path / "storage" / "blobs").is_dir() and not (tmp_path / "instance" / "storage").exists()

    served = create_app(config)
    with served.app_context():
        client = served.test_client()
        client.post("/login", data={"email": email, "password": factories.DEFAULT_PASSWORD})
        for document_id, content in files.items():
            response = client.get(f"/documents/{document_id}/versions/1/file")
            assert response.status_code == 200 and response.data == content
        db.engine.dispose()
