"""Two application nodes on one PostgreSQL, as production runs them: two
instance directories (each node's own search index), two gunicorn sets, one
scratch database, one shared storage folder, each node with its own indexer
(``flask search work``).

- a version approved through node A is found by search on node B (the time
  is printed: ``two nodes: visible on B after ... s``);
- a file uploaded through node A downloads from node B (shared storage);
- node B's indexer killed and restarted loses nothing;
- node B's index rebuilt from scratch while node A keeps serving: both
  equal to the database afterwards (``flask search check`` on each);
- node B's index directory deleted under it: its health reports it, search
  still answers, ``flask search rebuild`` restores it; node A unaffected;
  with B's indexer running, the indexer rebuilds it by itself.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests import servers
from tests.databases import PG_URL, create_database, drop_database
from tests.factories import DEFAULT_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    not PG_URL, reason="several nodes share one PostgreSQL: set DOCTRACK_TEST_DATABASE_URL"
)


def _wait(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Node:
    def __init__(self, name: str, tmp: Path, url: str, storage: Path):
        self.name = name
        self.instance = tmp / name
        self.port = servers.free_port()
        self.base = f"http://127.0.0.1:{self.port}/api/v1"
        self.env = {
            **os.environ,
            "DOCTRACK_DATABASE_URL": url,
            "DOCTRACK_INSTANCE_DIR": str(self.instance),
            "DOCTRACK_STORAGE_DIR": str(storage),
            "DOCTRACK_SECRET_KEY": "two-nodes-secret",
            "DOCTRACK_NODE_NAME": name,
            "DOCTRACK_SEARCH_INLINE": "false",
            "DOCTRACK_RATELIMIT_ENABLED": "false",
            "DOCTRACK_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
        self.web: subprocess.Popen | None = None
        self.indexer: subprocess.Popen | None = None
        self.logs = tmp / f"{name}.log"

    def _spawn(self, *args: str) -> subprocess.Popen:
        log = self.logs.open("a")
        return subprocess.Popen(
            list(args), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start_web(self) -> None:
        self.web = servers.gunicorn(self.port, self.env, threads=2, timeout=120, log=self.logs.open("a"))
        _wait(lambda: servers.answers(f"http://127.0.0.1:{self.port}"), 90, f"node {self.name} to answer")

    def start_indexer(self) -> None:
        self.indexer = self._spawn(sys.executable, "-m", "flask", "--app", "wsgi", "search", "work")

    def kill_indexer(self, sig=signal.SIGKILL) -> None:
        assert self.indexer is not None
        os.killpg(self.indexer.pid, sig)
        self.indexer.wait(30)
        self.indexer = None

    def flask(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def api(self, method: str, path: str, token: str, **kwargs) -> requests.Response:
        return requests.request(
            method, self.base + path, headers={"Authorization": f"Bearer {token}"}, timeout=60, **kwargs
        )

    def hits(self, word: str, token: str) -> int:
        response = self.api("GET", "/search", token, params={"q": word})
        assert response.status_code == 200, response.text
        return response.json()["total"]

    def stop(self) -> None:
        for process in (self.indexer, self.web):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


def _checked(node: Node, timeout: float = 120) -> dict:
    """``flask search check`` on the node until it agrees (exit 0): the
    node's indexer may still be applying the last changes."""
    result = {}

    def agrees():
        run = node.flask("search", "check")
        result["run"] = run
        return run.returncode == 0

    try:
        _wait(agrees, timeout, f"node {node.name}'s index to equal the database", interval=1)
    except AssertionError:
        run = result["run"]
        raise AssertionError(f"flask search check on {node.name}: {run.stdout}{run.stderr}") from None
    return result["run"]


@pytest.fixture
def cluster(tmp_path, worker_id):
    name = f"two_nodes_{worker_id}"
    url = create_database(name)
    storage = tmp_path / "shared-storage"
    nodes = [Node("node-a", tmp_path, url, storage), Node("node-b", tmp_path, url, storage)]
    try:
        migrate = nodes[0].flask("db", "upgrade")
        assert migrate.returncode == 0, migrate.stderr
        from app import create_app
        from app.auth.service import create_token
        from app.extensions import db
        from tests import factories

        setup = create_app(
            {
                "DATABASE_URL": url,
                "INSTANCE_DIR": str(tmp_path / "setup"),
                "SECRET_KEY": "x",
                "STORAGE_DIR": str(storage),
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            }
        )
        with setup.app_context():
            people = {
                role: factories.make_user(role, dept)
                for role, dept in (("author", "RD"), ("dept_head", "RD"), ("support", "CS"), ("admin", "IT"))
            }
            tokens = {role: create_token(user, "two nodes") for role, user in people.items()}
            db.session.commit()
            db.engine.dispose()
        for node in nodes:
            node.start_web()
            node.start_indexer()
        yield nodes, tokens
    finally:
        for node in nodes:
            node.stop()
        for node in nodes:
            if node.logs.exists():
                print(f"--- {node.name} log (tail)\n" + "\n".join(node.logs.read_text().splitlines()[-30:]))
        drop_database(name)


def _upload(node: Node, token: str, title: str, text: str) -> dict:
    response = node.api(
        "POST",
        "/documents",
        token,
        data={
            "title": title,
            "category": "technical",
            "doc_type": "manual",
            "department": "RD",
            "product": "X200",
        },
        files={"file": ("manual.txt", text.encode("utf-8"), "text/plain")},
    )
    assert response.status_code == 201, response.text
    return response.json()


def _approve(node: Node, tokens: dict, document_id: int) -> None:
    base = f"/documents/{document_id}/versions/1/actions"
    submitted = node.api("POST", base, tokens["author"], json={"action": "submit"})
    assert submitted.status_code == 200, submitted.text
    approved = node.api(
        "POST", base, tokens["dept_head"], json={"action": "approve", "password": DEFAULT_PASSWORD}
    )
    assert approved.status_code == 200 and approved.json()["state"] == "effective", approved.text


def test_two_nodes_share_one_database(cluster):
    (a, b), tokens = cluster
    admin, reader = tokens["admin"], tokens["support"]
    for node in (a, b):  # each indexer has built its node's (empty) index
        _wait(
            lambda n=node: n.api("GET", "/health", admin).json().get("index") == "ok",
            120,
            f"node {node.name}'s index",
        )

    # 1. Approved through A, found on B; the file uploaded through A downloads from B.
    word = f"flange{uuid.uuid4().hex[:8]}"
    document = _upload(
        a, tokens["author"], "Flange torque procedure", f"Tighten the {word} bolts crosswise.\n"
    )
    _approve(a, tokens, document["id"])
    approved_at = time.monotonic()
    _wait(lambda: b.hits(word, reader), 30, "the approved version to be found on node B", interval=0.02)
    visible_after = time.monotonic() - approved_at
    print(f"two nodes: visible on B after {visible_after:.2f} s")
    downloaded = b.api("GET", f"/documents/{document['id']}/versions/1/file", reader)
    assert downloaded.status_code == 200 and word.encode() in downloaded.content

    # 2. B's indexer killed; changes made through A meanwhile; restarted: nothing lost.
    b.kill_indexer()
    words = [f"gasket{uuid.uuid4().hex[:8]}" for _ in range(3)]
    for n, w in enumerate(words):
        made = _upload(a, tokens["author"], f"Gasket sheet {n}", f"Replace the {w} gasket.\n")
        _approve(a, tokens, made["id"])
    assert all(
        a.hits(w, reader) == 1
        for w in _wait(
            lambda: words if all(a.hits(w, reader) for w in words) else None,
            60,
            "node A to index the new versions",
        )
    )
    assert all(b.hits(w, reader) == 0 for w in words)  # B's indexer is down
    b.start_indexer()
    _wait(lambda: all(b.hits(w, reader) == 1 for w in words), 60, "node B to catch up after its restart")
    _checked(b)

    # 3. B rebuilt from scratch while A keeps serving (and changing) data.
    served: list[int] = []
    late: list[str] = []
    stop = threading.Event()

    def keep_serving():
        while not stop.is_set():
            w = f"valve{uuid.uuid4().hex[:8]}"
            made = _upload(a, tokens["author"], "Valve sheet", f"Lap the {w} seat.\n")
            _approve(a, tokens, made["id"])
            late.append(w)
            served.append(a.api("GET", "/search", reader, params={"q": "valve"}).status_code)

    writer = threading.Thread(target=keep_serving)
    writer.start()
    try:
        rebuilt = b.flask("search", "rebuild", "--quiet")
    finally:
        stop.set()
        writer.join(120)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert served and set(served) == {200}, served
    _checked(a)
    _checked(b)
    assert all(b.hits(w, reader) == 1 for w in late)

    # 4. B's index directory deleted under the running node.
    b.kill_indexer(signal.SIGTERM)
    shutil.rmtree(b.instance / "index")
    health = b.api("GET", "/health", admin).json()
    assert (health["status"], health["index"]) == ("degraded", "missing"), health
    assert requests.get(f"{b.base}/health", timeout=10).json()["index"] == "missing"
    assert b.hits(word, reader) == 0  # answers (200), from an empty index meanwhile
    assert a.hits(word, reader) == 1 and a.api("GET", "/health", admin).json()["index"] == "ok"
    restored = b.flask("search", "rebuild", "--quiet")
    assert restored.returncode == 0, restored.stderr
    health = b.api("GET", "/health", admin).json()
    assert (health["status"], health["index"]) == ("ok", "ok"), health
    assert b.hits(word, reader) == 1
    _checked(b)
    # With its indexer running, the node rebuilds a lost index by itself.
    b.start_indexer()
    _wait(lambda: b.api("GET", "/health", admin).json()["index"] == "ok", 60, "node B's indexer")
    shutil.rmtree(b.instance / "index")
    _wait(lambda: b.hits(word, reader) == 1, 120, "node B's indexer to rebuild the deleted index")
    _checked(b)
    _checked(a)
