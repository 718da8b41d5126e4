"""Search benchmark: Whoosh (our analyzer) against SQLite FTS5 (trigram)
and a plain LIKE scan, on the same generated corpus, in one run.

    .venv/bin/python -m bench.search_bench --n 20000
    .venv/bin/python -m bench.search_bench --n 100000 --queries 100
    .venv/bin/python -m bench.search_bench --e2e --n 20000    # through the API: see bench/search_e2e.py

Reports index build throughput and peak memory (measured in a child
process that streams the corpus), query latency p50/p95 for one-term,
two-term, phrase and filtered queries with highlights of the top 10, the
latency of making one changed document searchable, and each baseline as
a ratio to Whoosh. Figures are only comparable within one run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.corpus import ENGLISH, SIMP, TRAD, generate


def _build_whoosh(n: int, path: str, procs: int, queue) -> None:
    from whoosh import index as whoosh_index

    from app.search.index import SCHEMA

    started = time.perf_counter()
    ix = whoosh_index.create_in(path, SCHEMA)
    options = {"limitmb": 256}
    if procs > 1:
        options.update(procs=procs, multisegment=True)
    writer = ix.writer(**options)
    for doc in generate(n):
        writer.add_document(
            key=f"document:{doc['id']}:effective",
            kind="document",
            variant="effective",
            object_id=doc["id"],
            version=1,
            title=doc["title"],
            body=doc["body"],
            category=doc["category"],
            department=doc["department"],
            product=doc["product"],
            state="effective",
            confidentiality=doc["confidentiality"],
        )
    writer.commit()
    seconds = time.perf_counter() - started
    queue.put(
        {
            "seconds": seconds,
            "docs_per_s": n / seconds,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


def build_whoosh(n: int, path: Path, procs: int = 1) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_build_whoosh, args=(n, str(path), procs, queue))
    child.start()
    result = queue.get()
    child.join()
    size = sum(f.stat().st_size for f in path.iterdir()) / 1e6
    return {**result, "index_mb": size}


def build_sqlite(n: int, path: Path) -> dict:
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT, body TEXT, category TEXT, "
        "confidentiality TEXT, department TEXT)"
    )
    conn.execute(
        "CREATE VIRTUAL TABLE fts USING fts5(title, body, content='docs', content_rowid='id', "
        "tokenize='trigram')"
    )
    rows = (
        (d["id"], d["title"], d["body"], d["category"], d["confidentiality"], d["department"])
        for d in generate(n)
    )
    conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)", rows)
    base_seconds = time.perf_counter() - started
    conn.execute("INSERT INTO fts(rowid, title, body) SELECT id, title, body FROM docs")
    conn.commit()
    seconds = time.perf_counter() - started
    conn.close()
    return {"fts_docs_per_s": n / (seconds - base_seconds), "db_mb": path.stat().st_size / 1e6}


def make_queries(count: int, seed: int = 7) -> dict[str, list[str]]:
    rng = random.Random(seed)
    vocab = [TRAD, SIMP]

    def word():
        if rng.random() < 0.25:
            return rng.choice(ENGLISH["faults"]).split()[0]
        return rng.choice(rng.choice(vocab)[rng.choice(["faults", "process", "words"])])[:2]

    def phrase():
        return rng.choice(rng.choice(vocab)[rng.choice(["faults", "process"])])

    return {
        "one-term": [word() for _ in range(count)],
        "two-term": [f"{word()} {word()}" for _ in range(count)],
        "phrase": [f'"{phrase()}"' for _ in range(count)],
        "filtered": [word() for _ in range(count)],
    }


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def search_page(searcher, query, filtered: bool, category: str = "quality") -> list[int]:
    """One query as the search page runs it: the reader's visibility (and,
    when ``filtered``, a category) as filters, three facets, the top 10's
    stored ids."""
    from whoosh.query import Or, Term

    from app.search import executor

    allowed = Or([Term("confidentiality", "internal"), Term("department", "QC")])
    page = executor.run(
        searcher,
        query,
        [allowed, Term("category", category)] if filtered else [],
        facets=("category", "department", "product"),
        page=1,
        per_page=10,
        sort_by_date=False,
    )
    return [searcher.stored_fields(d)["object_id"] for d in page.docnums]


def run_whoosh(path: Path, sqlite_path: Path, queries: dict[str, list[str]]) -> dict:
    from whoosh import index as whoosh_index
    from whoosh.query import Term

    from app.search import highlight
    from app.search.index import SCHEMA
    from app.search.service import parse

    ix = whoosh_index.open_dir(str(path), schema=SCHEMA)
    conn = sqlite3.connect(sqlite_path)
    searcher = ix.searcher()
    out = {}
    for kind, texts in queries.items():
        timings, hits_total = [], 0
        for text in texts:
            started = time.perf_counter()
            query = parse(text)
            ids = search_page(searcher, query, kind == "filtered")
            bodies = (
                dict(
                    conn.execute(
                        f"SELECT id, body FROM docs WHERE id IN ({','.join('?' * len(ids))})", ids
                    ).fetchall()
                )
                if ids
                else {}
            )
            runs, words = highlight.query_terms(query)
            for doc_id in ids:
                highlight.fragments(bodies.get(doc_id, ""), runs, words)
            timings.append((time.perf_counter() - started) * 1000)
            hits_total += len(ids)
        out[kind] = {"p50": pct(timings, 0.5), "p95": pct(timings, 0.95), "hits": hits_total}
    # How long until a changed document is searchable: one update + commit.
    update_ms = []
    for i in range(10):
        started = time.perf_counter()
        writer = ix.writer()
        writer.update_document(
            key=f"document:{i}:effective",
            kind="document",
            variant="effective",
            object_id=i,
            version=2,
            title="updated",
            body="新版本 密封不良 updated",
            category="quality",
            confidentiality="internal",
        )
        writer.commit()
        searcher = searcher.refresh()
        # Visible: the new version is what the key finds (query speed is measured above).
        hits = searcher.search(Term("key", f"document:{i}:effective"), limit=None)
        assert len(hits) == 1 and hits[0]["version"] == 2
        update_ms.append((time.perf_counter() - started) * 1000)
    out["update_to_searchable"] = {"p50": pct(update_ms, 0.5), "p95": pct(update_ms, 0.95)}
    return out


def run_sqlite(sqlite_path: Path, queries: dict[str, list[str]], mode: str) -> dict:
    conn = sqlite3.connect(sqlite_path)
    out = {}
    for kind, texts in queries.items():
        timings, hits_total = [], 0
        for text in texts:
            terms = [t.strip('"') for t in text.split()] if not text.startswith('"') else [text.strip('"')]
            extra = (
                " AND category = 'quality' AND (confidentiality = 'internal' OR department = 'QC')"
                if kind == "filtered"
                else ""
            )
            started = time.perf_counter()
            if mode == "fts5" and all(len(t) >= 3 for t in terms):
                match = " AND ".join(f'"{t}"' for t in terms)
                rows = conn.execute(
                    "SELECT d.id, snippet(fts, 1, '<mark>', '</mark>', '…', 16) FROM fts JOIN docs d ON d.id = fts.rowid "
                    f"WHERE fts MATCH ?{extra} ORDER BY rank LIMIT 10",
                    (match,),
                ).fetchall()
            else:
                # LIKE scan; also FTS5's fallback for two-character CJK terms,
                # which its trigram tokenizer cannot match.
                where = " AND ".join("instr(body, ?) > 0" for _ in terms)
                rows = conn.execute(
                    f"SELECT id, substr(body, 1, 200) FROM docs WHERE {where}{extra} LIMIT 10", terms
                ).fetchall()
            timings.append((time.perf_counter() - started) * 1000)
            hits_total += len(rows)
        out[kind] = {"p50": pct(timings, 0.5), "p95": pct(timings, 0.95), "hits": hits_total}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--procs", type=int, default=1, help="Whoosh writer processes")
    parser.add_argument("--keep", help="keep the work directory here")
    parser.add_argument(
        "--e2e",
        action="store_true",
        help="end to end: Chinese-dense corpus, flask search rebuild, the JSON API over HTTP "
        "(bench/search_e2e.py)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --e2e and --keep: query the instance a previous run left there",
    )
    args = parser.parse_args()
    if args.e2e:
        from bench import search_e2e

        search_e2e.main(args.n, args.queries, args.keep, reuse=args.reuse)
        return
    work = Path(args.keep or tempfile.mkdtemp(prefix="doctrack-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "whoosh").mkdir(exist_ok=True)
    print(f"corpus: {args.n} documents (seeded), work dir {work}", flush=True)
    build = build_whoosh(args.n, work / "whoosh", args.procs)
    print(
        f"whoosh build: {build['docs_per_s']:.0f} docs/s, peak {build['peak_mb']:.0f} MB, "
        f"index {build['index_mb']:.0f} MB",
        flush=True,
    )
    sqlite_build = build_sqlite(args.n, work / "baseline.db")
    queries = make_queries(args.queries)
    whoosh = run_whoosh(work / "whoosh", work / "baseline.db", queries)
    fts5 = run_sqlite(work / "baseline.db", queries, "fts5")
    like = run_sqlite(work / "baseline.db", queries, "like")
    lines = [
        f"Corpus: {args.n:,} generated documents (~1.8 KB each; 1/3 Traditional, 1/3 Simplified, 1/3 mixed, "
        f"1 in 7 English), {args.queries} queries per kind, top 10 with highlights.",
        "",
        "| query | Whoosh p50 / p95 ms | FTS5 trigram p50 / p95 ms | LIKE p50 / p95 ms | FTS5 ÷ Whoosh (p95) | LIKE ÷ Whoosh (p95) |",
        "|---|---|---|---|---|---|",
    ]
    for kind in queries:
        w, f, lk = whoosh[kind], fts5[kind], like[kind]
        lines.append(
            f"| {kind} | {w['p50']:.1f} / {w['p95']:.1f} | {f['p50']:.1f} / {f['p95']:.1f} | "
            f"{lk['p50']:.1f} / {lk['p95']:.1f} | {f['p95'] / w['p95']:.2f} | {lk['p95'] / w['p95']:.2f} |"
        )
    lines += [
        "",
        f"Index build: Whoosh {build['docs_per_s']:.0f} docs/s (peak {build['peak_mb']:.0f} MB, index "
        f"{build['index_mb']:.0f} MB); FTS5 trigram {sqlite_build['fts_docs_per_s']:.0f} docs/s "
        f"(ratio {sqlite_build['fts_docs_per_s'] / build['docs_per_s']:.1f}x).",
        f"One changed document searchable (update + commit + refresh): p50 "
        f"{whoosh['update_to_searchable']['p50']:.0f} ms, p95 {whoosh['update_to_searchable']['p95']:.0f} ms.",
    ]
    print("\n".join(lines))
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    (results / f"search-{args.n}.json").write_text(
        json.dumps(
            {
                "n": args.n,
                "build": build,
                "sqlite_build": sqlite_build,
                "whoosh": whoosh,
                "fts5": fts5,
                "like": like,
            },
            indent=2,
        )
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
