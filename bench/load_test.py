"""Load test of the production shape: gunicorn (4 workers) on PostgreSQL, one
search indexer and one scheduler, started with ``scripts/production.sh`` on
127.0.0.1, driven by N concurrent API clients for a fixed time.

    .venv/bin/python -m bench.load_test                  # 20 users, 60 s
    .venv/bin/python -m bench.load_test --duration 10 --baseline 5   # the CI run

Each client is an R&D author who uploads documents and new versions and
submits them, and who also takes a turn as the department head (approves
or rejects what waits), as support (records and triages problem reports),
as the responsible engineer (starts, comments on and resolves them), as
quality control (verifies and closes) and as a reader (searches, lists,
opens documents). 4xx answers from races between clients (approving what
another client just approved) are counted, not failures.

Afterwards it waits for the outbox to drain and checks: no 5xx; every
acknowledged upload is in the database with its blob, whose bytes hash to
what the client sent; the search index holds exactly the database's
searchable objects at their current versions. It prints requests, errors
and p50/p95 per route, with the p50 of one client alone on the same server
(measured first, in the same run) and the ratio, and exits 1 when any
check fails.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench.corpus import make_document
from bench.pg import drop_database, scratch_database

ROOT = Path(__file__).resolve().parents[1]
SEARCH_TERMS = [
    "質量",
    "质量",
    "導熱膏",
    "导热膏",
    "X200",
    "overheating",
    "firmware",
    "馬達 噪音",
    '"thermal paste"',
    "B2311",
    "客訴",
    "inspection",
]


# Set-up ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str, work: Path, port: int) -> dict:
    return {
        **os.environ,
        "DOCTRACK_DATABASE_URL": database_url,
        "DOCTRACK_INSTANCE_DIR": str(work / "instance"),
        "DOCTRACK_STORAGE_DIR": str(work / "storage"),
        "DOCTRACK_SECRET_KEY": secrets.token_hex(32),
        "DOCTRACK_BIND": f"127.0.0.1:{port}",
        "DOCTRACK_BACKUP_DIR": str(work / "backups"),
        # The throttle shared by the workers, as production.sh requires.
        "DOCTRACK_RATELIMIT_STORAGE_URI": os.environ.get(
            "DOCTRACK_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379"
        ),
    }


def make_app(env: dict):
    """The application in this process, on the server's database and folders."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("DOCTRACK_")})
    os.environ["DOCTRACK_ENV"] = "production"
    from app import create_app

    return create_app()


def create_accounts(app, users: int) -> dict:
    """Departments and one token per persona: an author per client, and the
    shared department head, support agent and quality controller."""
    from flask_migrate import upgrade

    from app.auth import service as auth
    from app.extensions import db

    password = secrets.token_urlsafe(16)
    with app.app_context():
        upgrade()
        for code, name in (("RD", "R&D"), ("CS", "Customer service"), ("QC", "Quality control")):
            auth.create_department(code, name)
        tokens = {}
        for key, dept, roles in (
            ("head", "RD", ["dept_head"]),
            ("support", "CS", ["support"]),
            ("qc", "QC", ["qc"]),
        ):
            user = auth.create_user(
                f"{key}@load.local", name=key, department_code=dept, roles=roles, password=password
            )
            tokens[key] = auth.create_token(user, "load test")
        tokens["authors"] = []
        for n in range(users):
            user = auth.create_user(
                f"author{n}@load.local",
                name=f"Author {n}",
                department_code="RD",
                roles=["author"],
                password=password,
            )
            tokens["authors"].append(auth.create_token(user, "load test"))
        db.session.commit()
    tokens["password"] = password  # every account's; signatures re-authenticate with it
    return tokens


def wait_until_up(base: str, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"load test: the server exited during start-up (status {server.returncode})")
        try:
            if requests.get(base + "/api/v1/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit("load test: the server did not answer within 120 s")


def server_cpu_seconds(session: int) -> float:
    """CPU time (user + system, with reaped children such as the extraction
    sandbox) used so far by the gunicorn processes of ``session``: the work
    per request, whatever else the machine is busy with."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[3]) != session or b"gunicorn" not in (entry / "cmdline").read_bytes():
                continue
        except (OSError, ValueError):
            continue
        ticks += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


# The clients ----------------------------------------------------------------


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    timings: dict = field(default_factory=lambda: defaultdict(list))
    statuses: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    server_errors: list = field(default_factory=list)
    transport_errors: list = field(default_factory=list)
    uploads: list = field(default_factory=list)  # (document_id, number, sha256) acknowledged

    def record(self, route: str, status: int, seconds: float, body: str = "") -> None:
        with self.lock:
            self.timings[route].append(seconds)
            self.statuses[route][status] += 1
            if status >= 500:
                self.server_errors.append((route, status, body[:300]))


class Client:
    def __init__(self, n: int, base: str, tokens: dict, stats: Stats, seed: int):
        self.base = base + "/api/v1"
        self.stats = stats
        self.rng = random.Random(seed)
        self.n = n
        self.sessions = {}
        for key in ("head", "support", "qc"):
            self.sessions[key] = self._session(tokens[key])
        self.password = tokens["password"]
        self.sessions["me"] = self._session(tokens["authors"][n])
        self.documents: list[int] = []
        self.drafts: list[tuple[int, int]] = []
        self.issues: list[int] = []
        self.closed: list[int] = []  # reports this client saw closed
        self.uploaded = 0

    @staticmethod
    def _session(token: str) -> requests.Session:
        session = requests.Session()
        # No proxy, netrc or CA-bundle lookups from the environment on every
        # call: about 1.4 ms of each measured request was this client's own.
        session.trust_env = False
        session.headers["Authorization"] = f"Bearer {token}"
        return session

    def call(self, who: str, method: str, route: str, path: str, **kwargs):
        started = time.perf_counter()
        try:
            response = self.sessions[who].request(method, self.base + path, timeout=60, **kwargs)
        except requests.RequestException as exc:
            with self.stats.lock:
                self.stats.transport_errors.append((route, repr(exc)[:200]))
            return None
        self.stats.record(
            route,
            response.status_code,
            time.perf_counter() - started,
            response.text if response.status_code >= 500 else "",
        )
        return response

    # Actions -----------------------------------------------------------------

    def _content(self) -> tuple[bytes, str]:
        doc = make_document(self.rng, self.rng.randrange(1_000_000))
        # A unique line so every upload is a distinct blob.
        body = f"# {doc['title']}\n\n{doc['body']}\n\nclient {self.n} upload {self.uploaded} {secrets.token_hex(8)}\n"
        self.uploaded += 1
        return body.encode(), doc["product"]

    def upload(self) -> None:
        content, product = self._content()
        response = self.call(
            "me",
            "POST",
            "POST /documents",
            "/documents",
            data={
                "title": f"Load manual {self.n}-{self.uploaded}",
                "category": "technical",
                "doc_type": "manual",
                "product": product,
                "department": "RD",
                "change_note": "first issue",
            },
            files={"file": (f"manual-{self.n}-{self.uploaded}.md", content, "text/markdown")},
        )
        if response is not None and response.status_code == 201:
            document = response.json()
            self._acknowledged(document["id"], document["versions"][0]["number"], content)
            self.documents.append(document["id"])
            self.drafts.append((document["id"], document["versions"][0]["number"]))

    def new_version(self) -> None:
        if not self.documents:
            return self.upload()
        document_id = self.rng.choice(self.documents)
        content, _ = self._content()
        response = self.call(
            "me",
            "POST",
            "POST /documents/{id}/versions",
            f"/documents/{document_id}/versions",
            data={"change_note": "torque values revised"},
            files={"file": ("manual.md", content, "text/markdown")},
        )
        if response is not None and response.status_code == 201:
            number = response.json()["number"]
            self._acknowledged(document_id, number, content)
            self.drafts.append((document_id, number))

    def _acknowledged(self, document_id: int, number: int, content: bytes) -> None:
        with self.stats.lock:
            self.stats.uploads.append((document_id, number, hashlib.sha256(content).hexdigest()))

    def submit(self) -> None:
        if not self.drafts:
            return self.upload()
        document_id, number = self.drafts.pop(self.rng.randrange(len(self.drafts)))
        self.call(
            "me",
            "POST",
            "POST /documents/{id}/versions/{n}/actions submit",
            f"/documents/{document_id}/versions/{number}/actions",
            json={"action": "submit"},
        )

    def review(self) -> None:
        response = self.call("head", "GET", "GET /approvals/inbox", "/approvals/inbox")
        if response is None or response.status_code != 200 or not response.json()["items"]:
            return
        item = self.rng.choice(response.json()["items"])
        document_id = item["document_id"]
        action = "reject" if self.rng.random() < 0.15 else "approve"
        self.call(
            "head",
            "POST",
            f"POST /documents/{{id}}/versions/{{n}}/actions {action}",
            f"/documents/{document_id}/versions/{item['version']}/actions",
            json={
                "action": action,
                "password": self.password,
                "comment": "see the torque table" if action == "reject" else "",
            },
        )

    def report(self) -> None:
        doc = make_document(self.rng, self.rng.randrange(1_000_000))
        response = self.call(
            "support",
            "POST",
            "POST /issues",
            "/issues",
            json={
                "title": f"{doc['title']} (client {self.n})",
                "phenomenon": doc["body"][:400],
                "found_at": "2026-11-20T09:30:00Z",
                "location": "Line 3",
                "scope": "batch B2311",
                "source": "customer",
                "customer_ref": f"C-{self.rng.randrange(10_000)}",
                "product": doc["product"],
            },
        )
        if response is not None and response.status_code == 201:
            self.issues.append(response.json()["id"])

    def advance(self) -> None:
        if not self.issues:
            return self.report()
        issue_id = self.rng.choice(self.issues)
        response = self.call("me", "GET", "GET /issues/{id}", f"/issues/{issue_id}")
        if response is None or response.status_code != 200:
            return
        state = response.json()["state"]
        steps = {
            "reported": (
                "support",
                {
                    "action": "triage",
                    "category": "quality",
                    "severity": self.rng.choice([1, 2, 3]),
                    "department": "RD",
                },
            ),
            "triaged": ("me", {"action": "start"}),
            "in_progress": (
                "me",
                {"action": "resolve", "resolution": "Reworked the thermal pad; retested 48 h."},
            ),
            "resolved": ("qc", {"action": "verify", "comment": "retest passed"}),
            "verified": ("qc", {"action": "close"}),
        }
        if state not in steps:
            self.issues.remove(issue_id)
            self.closed.append(issue_id)
            return
        if state == "in_progress" and self.rng.random() < 0.5:
            self.call(
                "me",
                "POST",
                "POST /issues/{id}/comments",
                f"/issues/{issue_id}/comments",
                json={"body": f"Measured **{self.rng.randrange(40, 90)} °C** at the heat sink."},
            )
            return
        if state == "verified" and not response.json().get("replies"):
            # A customer's report closes only after the reply to the customer
            # is recorded (the company's policy; close answers 409 without it).
            self.call(
                "support",
                "POST",
                "POST /issues/{id}/replies",
                f"/issues/{issue_id}/replies",
                json={
                    "text": "We replaced the thermal pad in batch B2311; the retest passed.",
                    "accepted": True,
                },
            )
            return
        who, payload = steps[state]
        self.call(
            who,
            "POST",
            f"POST /issues/{{id}}/actions {payload['action']}",
            f"/issues/{issue_id}/actions",
            json=payload,
        )

    def search(self) -> None:
        params = {"q": self.rng.choice(SEARCH_TERMS)}
        if self.rng.random() < 0.3:
            params["kind"] = self.rng.choice(["document", "issue"])
        self.call(self.rng.choice(["me", "support"]), "GET", "GET /search", "/search", params=params)

    def read(self) -> None:
        if self.documents and self.rng.random() < 0.6:
            self.call("me", "GET", "GET /documents/{id}", f"/documents/{self.rng.choice(self.documents)}")
        else:
            self.call("me", "GET", "GET /documents", "/documents", params={"category": "technical"})

    ACTIONS = (
        (upload, 10),
        (new_version, 10),
        (submit, 10),
        (review, 10),
        (report, 8),
        (advance, 16),
        (search, 24),
        (read, 12),
    )

    def run(self, deadline: float) -> None:
        actions, weights = zip(*self.ACTIONS, strict=True)
        while time.monotonic() < deadline:
            self.rng.choices(actions, weights)[0](self)


# Checks ---------------------------------------------------------------------


def wait_for_outbox(app, timeout: float) -> int:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.search.models import IndexOutbox

    with app.app_context():
        deadline = time.monotonic() + timeout
        while True:
            db.session.rollback()
            left = db.session.scalar(select(func.count()).select_from(IndexOutbox))
            if left == 0 or time.monotonic() > deadline:
                return left
            time.sleep(0.2)


def check_uploads(app, uploads: list) -> list[str]:
    """Every acknowledged upload: its version row, its blob row and file, and
    bytes that hash to what the client sent."""
    from sqlalchemy import select

    from app.documents.models import DocumentVersion
    from app.extensions import db
    from app.storage import get_store

    problems = []
    with app.app_context():
        store = get_store()
        for document_id, number, sha256 in uploads:
            version = db.session.scalar(
                select(DocumentVersion).where(
                    DocumentVersion.document_id == document_id, DocumentVersion.number == number
                )
            )
            if version is None:
                problems.append(f"document {document_id} v{number}: acknowledged but not in the database")
            elif version.sha256 != sha256:
                problems.append(
                    f"document {document_id} v{number}: stored hash {version.sha256} != sent {sha256}"
                )
            elif not store.exists(sha256):
                problems.append(f"document {document_id} v{number}: blob {sha256} missing")
            elif hashlib.sha256(store.path(sha256).read_bytes()).hexdigest() != sha256:
                problems.append(f"document {document_id} v{number}: blob {sha256} does not match its hash")
    return problems


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(
    stats: Stats, seconds: float, alone: Stats | None, cpu: dict | None = None, floor: dict | None = None
) -> dict:
    """The figures bench/load_compare.py sets side by side."""
    every = [t for times in stats.timings.values() for t in times]
    solo = [t for times in alone.timings.values() for t in times] if alone else []
    return {
        "requests": len(every),
        "seconds": seconds,
        "throughput": len(every) / seconds,
        "p50_ms": statistics.median(every) * 1000,
        "p95_ms": percentile(every, 0.95) * 1000,
        "one_client_p50_ms": statistics.median(solo) * 1000 if solo else None,
        "one_client_requests": len(solo),
        "server_errors": len(stats.server_errors) + (len(alone.server_errors) if alone else 0),
        # Server CPU milliseconds per request (gunicorn workers and their children).
        "cpu_ms_per_request": (cpu or {}).get("many"),
        "one_client_cpu_ms_per_request": (cpu or {}).get("one"),
        "routes": {
            route: {
                "n": len(times),
                "p50_ms": statistics.median(times) * 1000,
                "p95_ms": percentile(times, 0.95) * 1000,
            }
            for route, times in stats.timings.items()
        },
        "one_client_routes": {
            route: {"n": len(times), "p50_ms": statistics.median(times) * 1000}
            for route, times in (alone.timings.items() if alone else ())
        },
        **(floor or {}),
    }


def report(stats: Stats, seconds: float, baseline: Stats | None = None) -> None:
    total = sum(len(v) for v in stats.timings.values())
    print(f"\n{total} requests in {seconds:.1f} s ({total / seconds:.1f}/s)")
    print(f"{'route':<54} {'n':>5} {'p50 ms':>7} {'p95 ms':>7} {'1-client p50':>12} {'ratio':>6}  statuses")

    def line(label, times, alone, codes=""):
        base = (
            f"{statistics.median(alone) * 1000:>12.1f} {statistics.median(times) / statistics.median(alone):>6.1f}"
            if alone
            else f"{'-':>12} {'-':>6}"
        )
        print(
            f"{label:<54} {len(times):>5} {statistics.median(times) * 1000:>7.1f} "
            f"{percentile(times, 0.95) * 1000:>7.1f} {base}  {codes}"
        )

    alone_of = baseline.timings if baseline else {}
    for route in sorted(stats.timings):
        codes = " ".join(f"{code}:{count}" for code, count in sorted(stats.statuses[route].items()))
        line(route, stats.timings[route], alone_of.get(route), codes)
    every = [t for times in stats.timings.values() for t in times]
    alone = [t for times in alone_of.values() for t in times]
    if every:
        line("all", every, alone)


def request_floor(base: str, token: str, count: int) -> dict:
    """One client, nothing else running: p50 (ms) of the cheapest requests,
    interleaved ``count`` times each. ``health``: a public request (one
    database ping); ``authenticated``: a missing document with the bench's
    token (token query, one lookup, 404), through the same ``requests``
    session the load's clients use; ``authenticated_raw``: the same request
    through ``http.client``, which shows the share of the client library."""
    import http.client
    from urllib.parse import urlsplit

    session = Client._session(token)
    where = urlsplit(base)
    path = "/api/v1/documents/999999999"
    times: dict[str, list[float]] = defaultdict(list)
    for _ in range(count):
        started = time.perf_counter()
        session.get(base + "/api/v1/health", timeout=60)
        times["health"].append(time.perf_counter() - started)
        started = time.perf_counter()
        response = session.get(base + path, timeout=60)
        times["authenticated"].append(time.perf_counter() - started)
        assert response.status_code == 404, response.status_code
        started = time.perf_counter()
        connection = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        raw = connection.getresponse()
        raw.read()
        connection.close()
        times["authenticated_raw"].append(time.perf_counter() - started)
        assert raw.status == 404, raw.status
    return {f"floor_{kind}_p50_ms": statistics.median(values) * 1000 for kind, values in times.items()}


def run_phase(base: str, tokens: dict, users: int, seconds: float, seed: int) -> tuple[Stats, float]:
    stats = Stats()
    clients = [Client(n, base, tokens, stats, seed + n) for n in range(users)]
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=c.run, args=(deadline,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stats, time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    parser.add_argument(
        "--baseline",
        type=float,
        default=10,
        help="seconds of one client alone first, the baseline for the ratios (default 10; 0: none)",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DOCTRACK_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a PostgreSQL server URL; a scratch database doctrack_load is made beside it",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and folders")
    parser.add_argument(
        "--root",
        type=Path,
        default=ROOT,
        help="the checkout whose scripts/production.sh serves (bench/load_compare.py: an old commit)",
    )
    parser.add_argument("--json", type=Path, help="also write the summary figures here")
    parser.add_argument(
        "--floor",
        type=int,
        default=0,
        help="first, one client makes this many of the cheapest requests (health, an authenticated 404) "
        "and prints their p50: the floor under any request of the mix (default 0: not measured)",
    )
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="doctrack-load-"))
    db_name = f"doctrack_load_{os.getpid()}"  # several runs on one server do not collide
    database_url = scratch_database(args.postgres, db_name)
    port = free_port()
    env = server_env(database_url, work, port)
    env["DOCTRACK_WORKERS"] = str(args.workers)
    app = make_app(env)
    tokens = create_accounts(app, args.users)
    log = open(work / "server.log", "w")
    server = subprocess.Popen(
        ["bash", str(args.root / "scripts" / "production.sh")],
        cwd=args.root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    failures: list[str] = []
    try:
        wait_until_up(base, server)
        print(
            f"load test: {args.users} clients for {args.duration:.0f} s against {base} "
            f"(gunicorn {args.workers} workers, PostgreSQL, one indexer, one scheduler)"
        )
        alone = None
        cpu: dict = {}
        floor: dict = {}
        if args.floor > 0:
            floor = request_floor(base, tokens["head"], args.floor)
            print("floor, 1 client: " + ", ".join(f"{k[6:-7]} p50 {v:.2f} ms" for k, v in floor.items()))
        if args.baseline > 0:
            # The baseline, in the same run: one client alone on the same server.
            used = server_cpu_seconds(server.pid)
            alone, seconds = run_phase(base, tokens, 1, args.baseline, args.seed + 1000)
            count = sum(len(v) for v in alone.timings.values())
            cpu["one"] = (server_cpu_seconds(server.pid) - used) * 1000 / max(count, 1)
            print(
                f"baseline: 1 client for {seconds:.1f} s, {count} requests, "
                f"server CPU {cpu['one']:.1f} ms per request"
            )
        used = server_cpu_seconds(server.pid)
        stats, elapsed = run_phase(base, tokens, args.users, args.duration, args.seed)
        count = sum(len(v) for v in stats.timings.values())
        cpu["many"] = (server_cpu_seconds(server.pid) - used) * 1000 / max(count, 1)
        report(stats, elapsed, alone)
        print(f"server CPU (gunicorn workers): {cpu['many']:.1f} ms per request")
        if args.json:
            import json

            args.json.write_text(json.dumps(summary(stats, elapsed, alone, cpu, floor), indent=1))
        if alone is not None:
            stats.uploads += alone.uploads
            stats.server_errors += alone.server_errors
            stats.transport_errors += alone.transport_errors

        drain_started = time.monotonic()
        left = wait_for_outbox(app, timeout=120)
        print(
            f"\nsearch outbox drained in {time.monotonic() - drain_started:.1f} s"
            if left == 0
            else f"\nsearch outbox still holds {left} rows after 120 s"
        )
        if left:
            failures.append(f"the indexer left {left} outbox rows")
        if server.poll() is not None:
            failures.append(f"the production processes exited during the run (status {server.returncode})")

        from app.search import indexer

        with app.app_context():
            index = indexer.check(app.config)
        print(
            f"index: {index['indexed']} indexed, {index['expected']} expected, missing {len(index['missing'])}, "
            f"extra {len(index['extra'])}, stale {len(index['stale'])}"
        )
        if index["missing"] or index["extra"] or index["stale"]:
            failures.append(
                f"index differs from the database: missing {index['missing'][:5]}, "
                f"extra {index['extra'][:5]}, stale {index['stale'][:5]}"
            )

        lost = check_uploads(app, stats.uploads)
        print(f"uploads acknowledged: {len(stats.uploads)}; lost or damaged: {len(lost)}")
        failures += lost
        print(f"5xx responses: {len(stats.server_errors)}; transport errors: {len(stats.transport_errors)}")
        failures += [f"{route}: HTTP {status} {body}" for route, status, body in stats.server_errors]
        failures += [f"{route}: {error}" for route, error in stats.transport_errors]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
        with app.app_context():
            from app.extensions import db

            db.engine.dispose()
        if failures:
            print(f"\nserver log: {work / 'server.log'}")
        if not args.keep:
            drop_database(args.postgres, db_name)
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures[:50]), file=sys.stderr)
        return 1
    print("\nload test: passed (no 5xx, no lost upload, index agrees with the database)")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
