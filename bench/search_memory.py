"""Memory and speed of a searcher reading the index in place, against
Whoosh's own segment files, which copy each file into the process.

    .venv/bin/python -m bench.search_memory [--n 20000] [--queries 100] [--rounds 2]

Builds one index of N generated documents (bench/corpus.py, as
bench/search_bench.py does), then opens it in fresh processes, alternately
with Whoosh's ``BufferFile`` (``BytesIO`` over each part of the segment's
memory map: a private copy) and with ``app.search.index``'s in-place
reader. Each process reports its anonymous memory (RssAnon: what is not
page cache) before and after opening a searcher and running the queries,
and the queries' p50/p95 latency (search, facets, top 10 stored fields).
Prints medians over the rounds and the in-place/copy ratios.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.fresh import alternated, in_fresh_process
from bench.search_bench import build_whoosh, make_queries, pct, search_page


def _anon_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _measure(path: str, in_place: bool, queries: dict[str, list[str]], out) -> None:
    from whoosh import index as whoosh_index
    from whoosh.filedb import structfile

    from app.search import index as app_index
    from app.search.service import parse

    if not in_place:
        structfile.BufferFile.__init__ = app_index.WHOOSH_BUFFER_FILE_INIT
    ix = whoosh_index.open_dir(path, schema=app_index.SCHEMA)
    before = _anon_mb()
    searcher = ix.searcher()
    opened = _anon_mb()
    result: dict = {"opened_mb": opened - before}
    for kind, texts in queries.items():
        timings = []
        for text in texts:
            started = time.perf_counter()
            search_page(searcher, parse(text), kind == "filtered")
            timings.append((time.perf_counter() - started) * 1000)
        result[kind] = {"p50": pct(timings, 0.5), "p95": pct(timings, 0.95)}
    result["queried_mb"] = _anon_mb() - before
    searcher.close()
    out.put(result)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep", help="build (or reuse) the index here")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="doctrack-search-memory-"))
    index_dir = work / "whoosh"
    if not any(index_dir.glob("*.toc")):
        index_dir.mkdir(parents=True, exist_ok=True)
        build = build_whoosh(args.n, index_dir, 1)
        print(f"built {args.n} documents: index {build['index_mb']:.0f} MB", flush=True)
    on_disk = sum(p.stat().st_size for p in index_dir.glob("*.seg")) / 2**20
    queries = make_queries(args.queries)
    runs: dict[bool, list[dict]] = {False: [], True: []}
    for _, in_place in alternated((False, True), args.rounds):
        runs[in_place].append(in_fresh_process(_measure, str(index_dir), in_place, queries))

    def med(in_place: bool, *keys: str) -> float:
        values = []
        for run in runs[in_place]:
            value = run
            for key in keys:
                value = value[key]
            values.append(value)
        return statistics.median(values)

    print(f"\nindex: {args.n:,} documents, segment files {on_disk:.1f} MB; {args.rounds} rounds, medians\n")
    print("| | Whoosh copy | in place | in place / copy |")
    print("|---|---|---|---|")
    for label, keys in (
        ("RssAnon after opening a searcher (MB)", ("opened_mb",)),
        ("RssAnon after the queries (MB)", ("queried_mb",)),
    ):
        old, new = med(False, *keys), med(True, *keys)
        print(f"| {label} | {old:.1f} | {new:.1f} | {new / old if old else float('nan'):.2f} |")
    for kind in queries:
        for q in ("p50", "p95"):
            old, new = med(False, kind, q), med(True, kind, q)
            print(f"| {kind} {q} (ms) | {old:.2f} | {new:.2f} | {new / old:.2f} |")


if __name__ == "__main__":
    main()
