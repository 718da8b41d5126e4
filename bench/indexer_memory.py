"""The indexer's memory over many small change-log batches on a steady
corpus, by the size of the batch writer's posting pool.

    .venv/bin/python -m bench.indexer_memory [--n 5000] [--batches 1500] [--rounds 2] [--pools 64,16]

Builds one index of N generated documents (bench/corpus.py), then, in a
fresh process per pool size and round (alternated), applies BATCHES
batches of 8 updated documents, each committed as the indexer commits a
change-log batch (Whoosh's default merge policy: small segments are merged
as they pile up). Each process samples its anonymous memory (RssAnon) after
every commit. Prints, per pool size, medians over the rounds: memory at the
start, after warm-up (the first fifth of the batches), the highest after
it and at the end, and the time per batch; the ratios are to the first
pool size given (the old 64 MB).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.corpus import make_document
from bench.fresh import alternated, in_fresh_process

BATCH = 8


def _anon_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _fields(rng: random.Random, n: int, generation: int) -> dict:
    doc = make_document(rng, n)
    return {
        "key": f"document:{n}:effective",
        "kind": "document",
        "variant": "effective",
        "object_id": n,
        "version": generation,
        "title": doc["title"],
        "body": f"{doc['body']} edition {generation}",
        "category": "technical",
        "doc_type": "manual",
        "department": "RD",
        "product": doc["product"],
        "state": "effective",
        "severity": "",
        "source": "",
        "confidentiality": "internal",
        "author_id": "1",
        "updated": datetime(2026, 11, 1),
    }


def build(path: Path, n: int) -> None:
    from app.search import index

    writer = index.create_in(path).writer(limitmb=256)
    rng = random.Random(1)
    for i in range(n):
        writer.add_document(**_fields(rng, i, 1))
    writer.commit()


def build_in_temp(n: int, prefix: str) -> tuple[Path, Path, float]:
    """An index of N generated documents in a new temporary folder: the
    folder, the index in it and its size in MB."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    source = work / "index"
    started = time.perf_counter()
    build(source, n)
    size = sum(f.stat().st_size for f in source.iterdir()) / 2**20
    print(
        f"index of {n} documents built in {time.perf_counter() - started:.0f} s ({size:.1f} MB)", flush=True
    )
    return work, source, size


def _run(source: str, n: int, batches: int, pool_mb: int, out) -> None:
    from whoosh import index as whoosh_index

    from app.search import index

    path = Path(tempfile.mkdtemp(prefix="doctrack-indexer-memory-")) / "index"
    shutil.copytree(source, path)
    rng = random.Random(2)
    samples = [_anon_mb()]
    started = time.perf_counter()
    for batch in range(batches):
        writer = whoosh_index.open_dir(str(path), schema=index.SCHEMA).writer(limitmb=pool_mb)
        for _ in range(BATCH):
            writer.update_document(**_fields(rng, rng.randrange(n), batch + 2))
        writer.commit()
        samples.append(_anon_mb())
    seconds = time.perf_counter() - started
    shutil.rmtree(path.parent)
    warm = samples[batches // 5]
    out.put(
        {
            "start": samples[0],
            "warm": warm,
            "peak": max(samples[batches // 5 :]),
            "end": samples[-1],
            "ms": seconds / batches * 1000,
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="documents in the index (default 5000)")
    parser.add_argument("--batches", type=int, default=1500, help="committed batches per run (default 1500)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pools", default="64,16", help="pool sizes in MB, the first is the baseline")
    args = parser.parse_args(argv)
    pools = [int(p) for p in args.pools.split(",")]

    work, source, _ = build_in_temp(args.n, "doctrack-indexer-memory-")

    results: dict[int, list[dict]] = {p: [] for p in pools}
    for round_, pool in alternated(pools, args.rounds):
        result = in_fresh_process(_run, str(source), args.n, args.batches, pool)
        results[pool].append(result)
        print(
            f"round {round_ + 1}, pool {pool} MB: anon MB start {result['start']:.0f}, "
            f"after warm-up {result['warm']:.0f}, highest after {result['peak']:.0f}, "
            f"end {result['end']:.0f}; {result['ms']:.1f} ms per batch",
            flush=True,
        )
    shutil.rmtree(work)

    def median(pool: int, key: str) -> float:
        return statistics.median(r[key] for r in results[pool])

    base = pools[0]
    print(f"\n{args.n} documents, {args.batches} batches of {BATCH}, medians of {args.rounds} rounds")
    print(
        f"{'pool MB':>8} {'start':>7} {'warm':>7} {'highest':>8} {'end':>7} {'growth':>7} {'ms/batch':>9} {'ratio':>6}"
    )
    for pool in pools:
        warm, peak = median(pool, "warm"), median(pool, "peak")
        print(
            f"{pool:>8} {median(pool, 'start'):>7.0f} {warm:>7.0f} {peak:>8.0f} {median(pool, 'end'):>7.0f} "
            f"{(peak - warm) / warm * 100:>6.1f}% {median(pool, 'ms'):>9.1f} "
            f"{median(pool, 'ms') / median(base, 'ms'):>6.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
