"""Faults a real deployment meets: the indexer killed mid-batch, a web
worker killed during an upload, the database going away for a while."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import current_app
from sqlalchemy import select

from app import create_app
from app.documents.models import Blob, Document, DocumentVersion
from app.extensions import db
from app.search import indexer
from app.search.models import IndexChange
from tests import factories, servers
from tests.databases import PG_URL, create_database, drop_database

ROOT = Path(__file__).resolve().parents[2]


def _env(app) -> dict:
    return {
        **os.environ,
        "DOCTRACK_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "DOCTRACK_INSTANCE_DIR": app.config["INSTANCE_DIR"],
        "DOCTRACK_STORAGE_DIR": app.config["STORAGE_DIR"],
        "DOCTRACK_SECRET_KEY": "test-secret",
        "DOCTRACK_SEARCH_INLINE": "false",
    }


def _outbox() -> int:
    """Index changes this node has still to apply."""
    db.session.rollback()  # read what other processes committed
    return indexer.status(current_app.config)["index_lag"]


def test_indexer_killed_mid_batch_catches_up_on_restart(app):
    app.config["SEARCH_INLINE_INDEXING"] = False
    indexer.drain(app.config)  # this node's index exists
    author = factories.make_user("author")
    for n in range(60):
        factories.make_document(author, title=f"Manual {n}", content=f"X{n} manual text {n}\n")
    # Many rows per object: replays are harmless, and the indexer has several batches to do.
    ids = [d.id for d in db.session.scalars(select(Document))]
    db.session.add_all(IndexChange(kind="document", object_id=i) for _ in range(40) for i in ids)
    db.session.commit()
    pending = _outbox()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "wsgi",
            "search",
            "work",
            "--batch-size",
            "40",
            "--interval",
            "0.05",
        ],
        cwd=ROOT,
        env=_env(app),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while _outbox() == pending and time.monotonic() < deadline:
            time.sleep(0.02)  # until the first batch has landed
        time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    left = _outbox()
    assert 0 < left < pending, "the kill should land while batches remain"

    rerun = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "search", "work", "--once"],
        cwd=ROOT,
        env=_env(app),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert _outbox() == 0
    result = indexer.check(app.config)
    assert (result["missing"], result["extra"], result["stale"]) == ([], [], [])
    assert result["indexed"] == len(ids)


def _workers(master: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _assert_storage_consistent(app) -> None:
    db.session.rollback()
    rows = set(db.session.scalars(select(Blob.sha256)))
    versions = set(db.session.scalars(select(DocumentVersion.sha256)))
    files = {p.name for p in (Path(app.config["STORAGE_DIR"]) / "blobs").rglob("*") if p.is_file()}
    assert versions <= rows == files, "every version has its blob row and file, and no file is orphaned"
    leftovers = list((Path(app.config["STORAGE_DIR"]) / "tmp").glob("*"))
    assert leftovers == [], "no half-written upload remains"


@pytest.mark.parametrize("kill_at", ["mid-body", "after-body"])
def test_worker_killed_during_upload_leaves_no_half_state(app, api_as, kill_at):
    from app.auth.service import create_token

    author = factories.make_user("author", "RD")
    token = create_token(author, "upload")
    db.session.commit()
    port = servers.free_port()
    server = servers.gunicorn(port, _env(app))
    try:
        servers.wait_http(f"http://127.0.0.1:{port}", timeout=30)
        [worker] = _workers(server.pid)
        content = b"line of the manual that is being uploaded\n" * 200_000  # ~8 MB
        fields = {"title": "Big manual", "category": "technical", "doc_type": "manual", "department": "RD"}
        body = b"".join(
            f'--B\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        )
        body += (
            b'--B\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n\r\n'
            + content
            + b"\r\n--B--\r\n"
        )
        head = (
            f"POST /api/v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: multipart/form-data; boundary=B\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        conn = socket.create_connection(("127.0.0.1", port), timeout=30)
        conn.sendall(head)
        if kill_at == "mid-body":
            conn.sendall(body[: len(body) // 2])
        else:
            conn.sendall(body)
            time.sleep(0.05)  # the worker is parsing, staging or extracting
        os.kill(worker, signal.SIGKILL)
        try:
            reply = conn.recv(65536)
        except OSError:
            reply = b""
        conn.close()
        assert not reply.startswith(b"HTTP/1.1 201") or kill_at == "after-body", reply[:200]
        # gunicorn starts a new worker; its start-up sweeps what the dead one staged.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (not _workers(server.pid) or _workers(server.pid) == [worker]):
            time.sleep(0.1)
        servers.wait_http(f"http://127.0.0.1:{port}", timeout=30)
    finally:
        servers.stop(server)
    _assert_storage_consistent(app)


class Proxy:
    """A TCP proxy in front of PostgreSQL that can be cut and restored."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = servers.free_port()
        self.sockets: list[socket.socket] = []
        self.listener = None

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen()
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        # shutdown() wakes the thread blocked in accept(); close() alone
        # would leave the kernel socket listening until the next connection.
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.sockets.clear()


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set DOCTRACK_TEST_DATABASE_URL")
def test_database_going_away_gives_503_and_the_service_recovers(tmp_path):
    url = create_database("doctrack_fault_proxy")
    parts = urlsplit(url)
    proxy = Proxy((parts.hostname, parts.port or 5432))
    proxy.start()
    proxied = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": proxied,
            "SECRET_KEY": "x",
            "SERVER_NAME": "localhost",
            "INSTANCE_DIR": str(tmp_path / "i"),
            "STORAGE_DIR": str(tmp_path / "s"),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    try:
        with app.app_context():
            db.create_all()
            from app.auth.service import create_token

            token = create_token(factories.make_user("author", "RD"), "t")
            db.session.commit()
            db.session.remove()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/documents", headers=headers).status_code == 200

        proxy.cut()
        down = client.get("/api/v1/documents", headers=headers)
        assert down.status_code == 503
        assert down.json["error"]["message"].startswith("the database is unavailable")
        assert down.headers["Retry-After"] == "5"
        page = client.get("/documents/", headers=headers)
        assert page.status_code == 503 and b"unavailable" in page.data
        health = client.get("/api/v1/health")
        assert health.status_code == 503  # a load balancer takes the instance out
        assert (health.json["status"], health.json["database"]) == ("unavailable", "error")

        proxy.start()
        statuses = []
        for _ in range(20):
            statuses.append(client.get("/api/v1/documents", headers=headers).status_code)
            if statuses[-1] == 200:
                break
            time.sleep(0.25)
        assert statuses[-1] == 200, statuses
        assert statuses.count(503) <= 1  # at most the one request that found the dead connection
        assert client.get("/api/v1/health").json["status"] == "ok"
    finally:
        with app.app_context():
            db.engine.dispose()
        proxy.cut()
        drop_database("doctrack_fault_proxy")
