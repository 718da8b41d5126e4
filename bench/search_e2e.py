"""End-to-end search benchmark: the JSON API over HTTP on a real server.

    .venv/bin/python -m bench.search_bench --e2e --n 20000
    nice .venv/bin/python -m bench.search_bench --e2e --n 100000 --queries 100

1. A corpus of Chinese-dense documents (~500 Chinese characters each, from
   the policies in ../shared/policies and the demo documents; every other
   one converted to Simplified with OpenCC; English sentences and product
   codes mixed in), bulk-inserted as effective document versions, then
   indexed by ``flask search rebuild`` in a child process (docs/s, peak RSS,
   index size against text size).
2. gunicorn (one worker) serves the app; a support user (no restricted
   documents of other departments) queries ``GET /api/v1/search`` with a
   Bearer token: p50/p95 by query kind and by number of matches (total),
   plus ``GET /api/v1/health``.
3. The same queries, in process, on tantivy (if installed: ``pip install
   .[bench]``) over the same bigram tokens, and on SQLite FTS5 (trigram;
   ``instr()`` for terms shorter than three characters), reported as
   ratios. Those baselines count hits but compute no facets, highlights or
   permissions, and skip HTTP.
4. The time until a changed document is searchable through the API, with a
   ``flask search work`` process draining the outbox.
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT.parent / "shared" / "policies"
ENGLISH_SENTENCES = [
    "The motor overheating was traced to uneven thermal paste on the power module.",
    "Calibrating the torque driver every shift reduced loose screws by half.",
    "Customer complaint about abnormal noise after the firmware update was confirmed.",
    "Incoming inspection found bearing wear on three samples from the supplier.",
    "The seal leak appeared after the burn-in test at high temperature.",
    "Corrective action: replace the gasket and repeat the air-leak test.",
    "Sampling inspection of the controller boards showed a voltage spike on startup.",
    "Root-cause analysis points to a communication loss between the sensor and the controller.",
]
PRODUCTS = ["X200", "X300", "M10", "M20", "S5", "T800", "P100", "C5"]
CATEGORIES = ["technical", "quality", "market", "customer"]
DOC_TYPES = {
    "technical": "spec",
    "quality": "problem_analysis",
    "market": "market_research",
    "customer": "feedback_record",
}
DEPARTMENTS = ["RD", "PROD", "QC", "CS", "MKT"]
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def sentences() -> list[str]:
    """Chinese sentences of the policies and the demo documents."""
    from app.demo.content import DEMO_DOCUMENTS, DEMO_ISSUES

    text = "\n".join(p.read_text() for p in sorted(POLICIES.glob("*.txt")))
    text += "\n" + "\n".join(_strings(DEMO_DOCUMENTS) + _strings(DEMO_ISSUES))
    parts = re.split(r"(?<=[。；！？\n])", text)
    return [p.strip() for p in parts if len(_CJK.findall(p)) >= 8 and len(p.strip()) <= 200]


def generate(n: int, seed: int = 15):
    """Yield (title, body, category, product, department, confidentiality)."""
    import opencc

    to_simplified = opencc.OpenCC("t2s")
    pool = sentences()
    simplified = [to_simplified.convert(s) for s in pool]
    rng = random.Random(seed)
    for i in range(n):
        source = simplified if i % 2 else pool
        product = rng.choice(PRODUCTS)
        parts, chars = [], 0
        while chars < 500:
            sentence = rng.choice(source)
            parts.append(sentence)
            chars += len(_CJK.findall(sentence))
            if rng.random() < 0.15:
                parts.append(f" {product}-{rng.randint(100, 999)} ")
        parts.insert(rng.randrange(len(parts)), " " + rng.choice(ENGLISH_SENTENCES) + " ")
        body = "".join(parts)
        title = f"{product} {rng.choice(source)[:16]}"
        category = CATEGORIES[i % 4]
        yield (
            title,
            body,
            category,
            product,
            DEPARTMENTS[i % 5],
            "restricted" if i % 10 == 0 else "internal",
        )


def make_instance(work: Path, n: int) -> dict:
    """A migrated SQLite instance with users and ``n`` effective documents."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from app import create_app
    from app.auth import service as auth
    from app.auth.models import Department
    from app.documents.models import Blob, Document, DocumentVersion
    from app.extensions import db

    env = {
        "INSTANCE_DIR": str(work / "instance"),
        "STORAGE_DIR": str(work / "storage"),
        "DATABASE_URL": f"sqlite:///{work / 'instance' / 'doctrack.db'}",
        "SECRET_KEY": "bench",
        "SEARCH_INLINE_INDEXING": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    app = create_app(env)
    text_bytes = 0
    with app.app_context():
        upgrade()
        for code in DEPARTMENTS:
            auth.create_department(code, code)
        author = auth.create_user(
            "author@bench.local", name="A", department_code="RD", roles=["author"], password="bench-password"
        )
        support = auth.create_user(
            "support@bench.local",
            name="S",
            department_code="CS",
            roles=["support"],
            password="bench-password",
        )
        db.session.commit()
        token = auth.create_token(support, "bench")
        db.session.commit()
        departments = dict(db.session.execute(select(Department.code, Department.id)).all())
        db.session.execute(insert(Blob).values(sha256="0" * 64, size=1, media_type="text/plain"))
        now = datetime.now(UTC)
        batch_docs, batch_versions = [], []
        for i, (title, body, category, product, department, conf) in enumerate(generate(n), start=1):
            text_bytes += len(body.encode())
            batch_docs.append(
                {
                    "id": i,
                    "title": title,
                    "category": category,
                    "doc_type": DOC_TYPES[category],
                    "product": product,
                    "department_id": departments[department],
                    "important": False,
                    "confidentiality": conf,
                    "created_by_id": author.id,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            batch_versions.append(
                {
                    "document_id": i,
                    "number": 1,
                    "sha256": "0" * 64,
                    "filename": "doc.txt",
                    "media_type": "text/plain",
                    "size": len(body),
                    "text": body,
                    "author_id": author.id,
                    "state": "effective",
                    "created_at": now,
                    "effective_at": now,
                }
            )
            if len(batch_docs) == 2000:
                db.session.execute(insert(Document), batch_docs)
                db.session.execute(insert(DocumentVersion), batch_versions)
                batch_docs, batch_versions = [], []
        if batch_docs:
            db.session.execute(insert(Document), batch_docs)
            db.session.execute(insert(DocumentVersion), batch_versions)
        db.session.commit()
    return {"env": env, "token": token, "text_mb": text_bytes / 1e6}


def _flask_env(env: dict) -> dict:
    out = dict(os.environ)
    out.update(
        {
            "DOCTRACK_INSTANCE_DIR": env["INSTANCE_DIR"],
            "DOCTRACK_STORAGE_DIR": env["STORAGE_DIR"],
            "DOCTRACK_DATABASE_URL": env["DATABASE_URL"],
            "DOCTRACK_SECRET_KEY": "bench",
            "DOCTRACK_SEARCH_INLINE": "false",
            "FLASK_APP": "wsgi",
            "DOCTRACK_RATELIMIT_ENABLED": "false",
        }
    )
    return out


def rebuild(env: dict) -> dict:
    """``flask search rebuild`` in a child process: seconds, peak RSS."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(
        [sys.executable, "-m", "flask", "search", "rebuild", "--quiet"],
        env=_flask_env(env),
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    index_dir = Path(env["INSTANCE_DIR"]) / "index"
    size = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file()) / 1e6
    return {"seconds": seconds, "peak_mb": max(peak, before) / 1024, "index_mb": size}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        env=_flask_env(env),
        cwd=ROOT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/health", timeout=2).read()
            return server, base
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def get(base: str, path: str, token: str | None = None, **params) -> tuple[float, dict]:
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
    return (time.perf_counter() - started) * 1000, json.loads(body)


def make_queries(count: int, seed: int = 7) -> dict[str, list[dict]]:
    """Query kinds of the issue, drawn from the corpus' own words."""
    import opencc

    to_simplified = opencc.OpenCC("t2s")
    rng = random.Random(seed)
    runs = [r for s in sentences() for r in re.findall(r"[\u4e00-\u9fff]{6,}", s)]

    def word(length: int) -> str:
        run = rng.choice(runs)
        start = rng.randrange(len(run) - length + 1)
        text = run[start : start + length]
        return to_simplified.convert(text) if rng.random() < 0.5 else text

    english = [w for s in ENGLISH_SENTENCES for w in re.findall(r"[a-z]{5,}", s)]
    return {
        "2-char word": [{"q": word(2)} for _ in range(count)],
        "3-4-char word": [{"q": word(rng.choice([3, 4]))} for _ in range(count)],
        "English word": [{"q": rng.choice(english)} for _ in range(count)],
        "word + product code": [{"q": f"{word(2)} {rng.choice(PRODUCTS)}"} for _ in range(count)],
        "word + category filter": [{"q": word(2), "category": rng.choice(CATEGORIES)} for _ in range(count)],
        "two words": [{"q": f"{word(2)} {word(rng.choice([2, 3]))}"} for _ in range(count)],
        "quoted phrase": [{"q": f'"{word(rng.choice([4, 5, 6]))}"'} for _ in range(count)],
    }


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


MATCH_BUCKETS = [
    (0, 0, "0"),
    (1, 100, "1-100"),
    (101, 1000, "101-1k"),
    (1001, 10**4, "1k-10k"),
    (10**4 + 1, 10**9, ">10k"),
]


def run_api(base: str, token: str, queries: dict[str, list[dict]]) -> dict:
    for params in list(queries.values())[0][:5]:  # warm the worker (index open, caches)
        get(base, "/search", token, **params)
    out, by_matches = {}, {label: [] for _, _, label in MATCH_BUCKETS}
    for kind, items in queries.items():
        timings, totals = [], []
        for params in items:
            ms, body = get(base, "/search", token, **params)
            timings.append(ms)
            totals.append(body["total"])
            label = next(lb for lo, hi, lb in MATCH_BUCKETS if lo <= body["total"] <= hi)
            by_matches[label].append(ms)
        out[kind] = {
            "p50": pct(timings, 0.5),
            "p95": pct(timings, 0.95),
            "median_total": pct(totals, 0.5),
            "max_total": max(totals),
        }
    health = [get(base, "/health")[0] for _ in range(50)]
    out["_health"] = {"p50": pct(health, 0.5), "p95": pct(health, 0.95)}
    out["_by_matches"] = {
        k: {"n": len(v), "p50": pct(v, 0.5), "p95": pct(v, 0.95)} for k, v in by_matches.items()
    }
    return out


def _tokens(text: str, mode: str = "query") -> list[str]:
    from app.search.analysis import analyzer

    # Our analyzer's query-mode tokens (bigrams, lone characters as
    # unigrams, stemmed words), so phrase positions stay consecutive.
    return [t.text for t in analyzer()(text, mode=mode)]


def run_tantivy(work: Path, n: int, queries: dict[str, list[dict]]) -> dict | None:
    try:
        import tantivy
    except ImportError:
        return None
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("title", stored=False, tokenizer_name="whitespace")
    builder.add_text_field("body", stored=False, tokenizer_name="whitespace")
    builder.add_text_field("category", stored=False, tokenizer_name="raw")
    builder.add_text_field("confidentiality", stored=False, tokenizer_name="raw")
    builder.add_text_field("department", stored=False, tokenizer_name="raw")
    builder.add_integer_field("id", stored=True, indexed=True)
    schema = builder.build()
    path = work / "tantivy"
    path.mkdir(exist_ok=True)
    index = tantivy.Index(schema, path=str(path))
    writer = index.writer(heap_size=128_000_000, num_threads=1)
    started = time.perf_counter()
    for i, (title, body, category, _product, department, conf) in enumerate(generate(n), start=1):
        writer.add_document(
            tantivy.Document(
                id=i,
                title=" ".join(_tokens(title, "query")),
                body=" ".join(_tokens(body, "query")),
                category=category,
                confidentiality=conf,
                department=department,
            )
        )
    writer.commit()
    build_s = time.perf_counter() - started
    index.reload()
    searcher = index.searcher()
    allowed = "(confidentiality:internal OR department:CS)"
    out = {"_build_docs_per_s": n / build_s}
    for kind, items in queries.items():
        timings = []
        for params in items:
            started = time.perf_counter()
            clauses = []
            for word in (
                params["q"].strip('"').split()
                if not params["q"].startswith('"')
                else [params["q"].strip('"')]
            ):
                tokens = _tokens(word, "query")
                if not tokens:
                    continue
                term = tokens[0] if len(tokens) == 1 else '"' + " ".join(tokens) + '"'
                clauses.append(f"(title:{term} OR body:{term})")
            text = " AND ".join(
                clauses + [allowed] + ([f"category:{params['category']}"] if "category" in params else [])
            )
            query = index.parse_query(text)
            result = searcher.search(query, 10, count=True)
            _ = result.count, [searcher.doc(addr) for _, addr in result.hits]
            timings.append((time.perf_counter() - started) * 1000)
        out[kind] = {"p50": pct(timings, 0.5), "p95": pct(timings, 0.95)}
    return out


def run_fts5(work: Path, n: int, queries: dict[str, list[dict]]) -> dict:
    path = work / "fts5.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT, body TEXT, category TEXT, "
        "confidentiality TEXT, department TEXT)"
    )
    conn.execute(
        "CREATE VIRTUAL TABLE fts USING fts5(title, body, content='docs', content_rowid='id', "
        "tokenize='trigram')"
    )
    rows = ((i, t, b, c, conf, d) for i, (t, b, c, _p, d, conf) in enumerate(generate(n), start=1))
    conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)", rows)
    started = time.perf_counter()
    conn.execute("INSERT INTO fts(rowid, title, body) SELECT id, title, body FROM docs")
    conn.commit()
    out = {"_build_docs_per_s": n / (time.perf_counter() - started)}
    for kind, items in queries.items():
        timings = []
        for params in items:
            q = params["q"]
            terms = [q.strip('"')] if q.startswith('"') else q.split()
            extra = " AND (d.confidentiality = 'internal' OR d.department = 'CS')"
            args: list = []
            if "category" in params:
                extra += " AND d.category = ?"
            started = time.perf_counter()
            if all(len(t) >= 3 for t in terms):
                match = " AND ".join(f'"{t}"' for t in terms)
                args = [match] + ([params["category"]] if "category" in params else [])
                conn.execute(
                    "SELECT d.id, snippet(fts, 1, '<mark>', '</mark>', '…', 16) FROM fts JOIN docs d "
                    f"ON d.id = fts.rowid WHERE fts MATCH ?{extra} ORDER BY rank LIMIT 10",
                    args,
                ).fetchall()
                conn.execute(
                    f"SELECT count(*) FROM fts JOIN docs d ON d.id = fts.rowid WHERE fts MATCH ?{extra}", args
                ).fetchall()
            else:
                where = " AND ".join("instr(d.body, ?) > 0" for _ in terms)
                args = terms + ([params["category"]] if "category" in params else [])
                conn.execute(
                    f"SELECT d.id, substr(d.body, 1, 200) FROM docs d WHERE {where}{extra} LIMIT 10", args
                ).fetchall()
            timings.append((time.perf_counter() - started) * 1000)
        out[kind] = {"p50": pct(timings, 0.5), "p95": pct(timings, 0.95)}
    conn.close()
    return out


def update_to_searchable(env: dict, base: str, token: str, rounds: int = 10) -> dict:
    """Change a document's effective text in the database + outbox (what the
    approval service writes), and poll the API until the new word is found,
    with ``flask search work`` draining the outbox."""
    from sqlalchemy import create_engine, text

    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "search", "work", "--interval", "0.2"],
        env=_flask_env(env),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    engine = create_engine(env["DATABASE_URL"])
    timings = []
    try:
        for i in range(rounds):
            word = f"zq{i}marker{random.randrange(10**6)}"
            doc_id = 2 + i * 10  # not restricted (ids 1, 11, 21... are)
            started = time.perf_counter()
            with engine.begin() as conn:
                conn.execute(
                    text("UPDATE document_version SET text = text || :w WHERE document_id = :d"),
                    {"w": " " + word, "d": doc_id},
                )
                conn.execute(
                    text(
                        "INSERT INTO index_change (kind, object_id, created_at) VALUES ('document', :d, :now)"
                    ),
                    {"d": doc_id, "now": datetime.now(UTC)},
                )
            while True:
                _, body = get(base, "/search", token, q=word)
                if body["total"]:
                    break
                if time.perf_counter() - started > 30:
                    raise RuntimeError("update never became searchable")
                time.sleep(0.02)
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        stop(worker)
        engine.dispose()
    return {"p50": pct(timings, 0.5), "p95": pct(timings, 0.95)}


def reuse_instance(work: Path) -> dict:
    """The instance a previous ``--keep`` run left (queries only, no load or rebuild)."""
    from sqlalchemy import select

    from app import create_app
    from app.auth import service as auth
    from app.auth.models import User
    from app.extensions import db

    env = {
        "INSTANCE_DIR": str(work / "instance"),
        "STORAGE_DIR": str(work / "storage"),
        "DATABASE_URL": f"sqlite:///{work / 'instance' / 'doctrack.db'}",
        "SECRET_KEY": "bench",
        "SEARCH_INLINE_INDEXING": False,
    }
    app = create_app(env)
    with app.app_context():
        support = db.session.scalar(select(User).where(User.email == "support@bench.local"))
        token = auth.create_token(support, "bench")
        db.session.commit()
        text_mb = db.session.execute(text_size_query()).scalar() / 1e6
    return {"env": env, "token": token, "text_mb": text_mb}


def text_size_query():
    from sqlalchemy import func, select

    from app.documents.models import DocumentVersion

    return select(func.sum(func.length(func.cast(DocumentVersion.text, _blob_type()))))


def _blob_type():
    from sqlalchemy import LargeBinary

    return LargeBinary


def main(n: int, count: int, keep: str | None, reuse: bool = False) -> None:
    import tempfile

    work = Path(keep or tempfile.mkdtemp(prefix="doctrack-e2e-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if reuse:
        instance = reuse_instance(work)
        build = json.loads((work / "build.json").read_text())
    else:
        instance = make_instance(work, n)
        print(
            f"loaded {n} documents ({instance['text_mb']:.1f} MB of text) in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        build = rebuild(instance["env"])
        (work / "build.json").write_text(json.dumps(build))
    print(
        f"flask search rebuild: {n / build['seconds']:.0f} docs/s, peak {build['peak_mb']:.0f} MB, "
        f"index {build['index_mb']:.0f} MB ({build['index_mb'] / instance['text_mb']:.1f}x text)",
        flush=True,
    )
    queries = make_queries(count)
    server, base = start_server(instance["env"])
    load_before = os.getloadavg()[0]
    try:
        api = run_api(base, instance["token"], queries)
        api_again = run_api(base, instance["token"], queries)  # the same queries once more: warm caches
        update = update_to_searchable(instance["env"], base, instance["token"])
    finally:
        stop(server)
    load_after = os.getloadavg()[0]
    tantivy = run_tantivy(work, n, queries)
    fts5 = run_fts5(work, n, queries)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    lines = [
        f"End to end, {n:,} documents ({instance['text_mb']:.1f} MB text), {count} queries per kind, "
        f"commit {commit}; API = gunicorn 1 worker over HTTP as a support user, first pass (second pass); "
        f"load average {load_before:.1f} -> {load_after:.1f} on {os.cpu_count()} cores:",
        "",
        "| query | API p50 / p95 ms | 2nd pass p50 / p95 | median / max total | tantivy p50 / p95 | "
        "FTS5 p50 / p95 | tantivy ÷ API (p95) | FTS5 ÷ API (p95) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind in queries:
        a, b, f = api[kind], api_again[kind], fts5[kind]
        t = tantivy[kind] if tantivy else None
        lines.append(
            f"| {kind} | {a['p50']:.1f} / {a['p95']:.1f} | {b['p50']:.1f} / {b['p95']:.1f} | "
            f"{a['median_total']:,.0f} / {a['max_total']:,} | "
            + (f"{t['p50']:.2f} / {t['p95']:.2f} | " if t else "not installed | ")
            + f"{f['p50']:.1f} / {f['p95']:.1f} | "
            + (f"{t['p95'] / a['p95']:.3f} | " if t else "- | ")
            + f"{f['p95'] / a['p95']:.2f} |"
        )
    lines += ["", "| matches (total) | queries | API p50 / p95 ms |", "|---|---|---|"]
    for label, m in api["_by_matches"].items():
        if m["n"]:
            lines.append(f"| {label} | {m['n']} | {m['p50']:.1f} / {m['p95']:.1f} |")
    lines += [
        "",
        f"Health: p50 {api['_health']['p50']:.1f} ms, p95 {api['_health']['p95']:.1f} ms. "
        f"Changed document searchable through the API (outbox + `flask search work`): "
        f"p50 {update['p50']:.0f} ms, p95 {update['p95']:.0f} ms.",
        f"Rebuild: {n / build['seconds']:.0f} docs/s, peak RSS {build['peak_mb']:.0f} MB, index "
        f"{build['index_mb']:.0f} MB for {instance['text_mb']:.1f} MB text "
        f"({build['index_mb'] / instance['text_mb']:.1f}x)"
        + (f"; tantivy {tantivy['_build_docs_per_s']:.0f} docs/s" if tantivy else "")
        + f"; FTS5 trigram {fts5['_build_docs_per_s']:.0f} docs/s.",
    ]
    print("\n".join(lines))
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    (results / f"search-e2e-{n}.json").write_text(
        json.dumps(
            {
                "n": n,
                "commit": commit,
                "load": [load_before, load_after],
                "build": build,
                "api": api,
                "api_again": api_again,
                "update": update,
                "tantivy": tantivy,
                "fts5": fts5,
                "text_mb": instance["text_mb"],
            },
            indent=2,
        )
    )
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
