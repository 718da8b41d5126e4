"""The index's size on disk, and what searching it costs, while the same
documents are edited over and over, by merge policy.

    .venv/bin/python -m bench.index_merges [--n 5000] [--batches 1500] [--rounds 2] [--shares 0.5]

Builds one index of N generated documents (bench/corpus.py), then, in a
fresh process per policy and round (alternated), applies BATCHES batches of
8 updated documents (the same random documents for every policy), each
committed as the indexer commits a change-log batch. The policies: Whoosh's
``MERGE_SMALL`` alone (before), and ``app.search.index``'s, which also
rewrites every segment more than SHARE deleted, for each share given.

After every commit a process records the segment files' size and the
index's entries, deleted ones included. After the last it opens a
searcher and runs bench/search_bench.py's queries (search, facets, top 10
stored fields), recording their latency and how much of the index's
memory map the process then holds (RssFile: what a gunicorn worker's RSS
counts of the index). Prints medians over the rounds; ratios are to
``MERGE_SMALL``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.fresh import alternated, in_fresh_process
from bench.indexer_memory import BATCH, _fields, build_in_temp
from bench.search_bench import make_queries, pct, search_page


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _run(source: str, n: int, batches: int, share: float | None, queries: dict, out) -> None:
    from whoosh import index as whoosh_index
    from whoosh.writing import MERGE_SMALL

    from app.search import index
    from app.search.service import parse

    policy = MERGE_SMALL
    if share is not None:
        index.WORN_SHARE = share
        policy = index._merge_small_and_worn
    path = Path(tempfile.mkdtemp(prefix="doctrack-index-merges-")) / "index"
    shutil.copytree(source, path)
    rng = random.Random(2)
    sizes, dead, commits = [], [], []
    for batch in range(batches):
        started = time.perf_counter()
        writer = whoosh_index.open_dir(str(path), schema=index.SCHEMA).writer(limitmb=16)
        for _ in range(BATCH):
            writer.update_document(**_fields(rng, rng.randrange(n), batch + 2))
        writer.commit(mergetype=policy)  # what index.commit does, with the policy compared
        commits.append(time.perf_counter() - started)
        sizes.append(sum(f.stat().st_size for f in path.iterdir()) / 2**20)
        ix = whoosh_index.open_dir(str(path), schema=index.SCHEMA)
        dead.append(ix.doc_count_all() - ix.doc_count())
    warm = batches // 5
    ix = whoosh_index.open_dir(str(path), schema=index.SCHEMA)
    segments = len(ix._segments())
    mapped_before = _status_mb("RssFile")
    searcher = ix.searcher()
    timings = []
    for kind, texts in queries.items():
        for text in texts:
            started = time.perf_counter()
            search_page(searcher, parse(text), kind == "filtered", category="technical")
            timings.append((time.perf_counter() - started) * 1000)
    mapped = _status_mb("RssFile") - mapped_before
    searcher.close()
    shutil.rmtree(path.parent)
    out.put(
        {
            "disk_mean": statistics.fmean(sizes[warm:]),
            "disk_max": max(sizes[warm:]),
            "disk_end": sizes[-1],
            "dead_mean": statistics.fmean(dead[warm:]),
            "dead_max": max(dead[warm:]),
            "ms": statistics.fmean(commits) * 1000,
            "slowest_s": max(commits),
            "segments": segments,
            "query_p50": pct(timings, 0.5),
            "query_p95": pct(timings, 0.95),
            "mapped": mapped,
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="documents in the index (default 5000)")
    parser.add_argument("--batches", type=int, default=1500, help="committed batches per run (default 1500)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--shares", default="0.5", help="deleted shares that make a segment worn, comma-separated"
    )
    parser.add_argument("--queries", type=int, default=40, help="queries of each kind after the last batch")
    args = parser.parse_args(argv)
    policies: list[float | None] = [None, *(float(s) for s in args.shares.split(","))]

    work, source, size = build_in_temp(args.n, "doctrack-index-merges-")
    queries = make_queries(args.queries)

    def label(share: float | None) -> str:
        return "MERGE_SMALL" if share is None else f"worn > {share:g}"

    results: dict[float | None, list[dict]] = {p: [] for p in policies}
    for round_, share in alternated(policies, args.rounds):
        r = in_fresh_process(_run, str(source), args.n, args.batches, share, queries)
        results[share].append(r)
        print(
            f"round {round_ + 1}, {label(share)}: disk MB mean {r['disk_mean']:.1f} max {r['disk_max']:.1f} "
            f"end {r['disk_end']:.1f}; deleted entries mean {r['dead_mean']:.0f} max {r['dead_max']}; "
            f"{r['ms']:.1f} ms per batch, slowest commit {r['slowest_s']:.2f} s; {r['segments']} segments; "
            f"queries p50/p95 {r['query_p50']:.2f}/{r['query_p95']:.2f} ms; mapped {r['mapped']:.1f} MB",
            flush=True,
        )
    shutil.rmtree(work)

    def median(share: float | None, key: str) -> float:
        return statistics.median(r[key] for r in results[share])

    print(
        f"\n{args.n} documents ({size:.1f} MB built), {args.batches} batches of {BATCH} updates, "
        f"medians of {args.rounds} rounds; disk and deleted entries after the first fifth of the batches\n"
    )
    rows = [
        ("segment files, mean (MB)", "disk_mean", 1),
        ("segment files, highest (MB)", "disk_max", 1),
        ("segment files, end (MB)", "disk_end", 1),
        ("deleted entries, mean", "dead_mean", 0),
        ("deleted entries, highest", "dead_max", 0),
        ("time per batch (ms)", "ms", 1),
        ("slowest commit (s)", "slowest_s", 2),
        ("query p50 (ms)", "query_p50", 2),
        ("query p95 (ms)", "query_p95", 2),
        ("index mapped by a searcher after the queries (MB)", "mapped", 1),
    ]
    print(
        "| | "
        + " | ".join(label(p) for p in policies)
        + " | "
        + " | ".join(f"{label(p)} / MERGE_SMALL" for p in policies[1:])
        + " |"
    )
    print("|---" * (2 * len(policies)) + "|")
    for name, key, digits in rows:
        base = median(None, key)
        values = [median(p, key) for p in policies]
        ratios = [v / base if base else float("nan") for v in values[1:]]
        print(
            f"| {name} | "
            + " | ".join(f"{v:.{digits}f}" for v in values)
            + " | "
            + " | ".join(f"{r:.2f}" for r in ratios)
            + " |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
