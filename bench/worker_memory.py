"""Where a web worker's memory goes as it serves the load-test mix.

    .venv/bin/python -m bench.worker_memory [--requests 40000] [--every 2000] [--tracemalloc FRAMES]

One process plays a gunicorn worker: the clients of ``bench/load_test.py``
(``--clients`` authors with the shared department head, support agent and
quality controller, same actions and weights) drive the application through
Flask's test client on a scratch PostgreSQL database, while ``flask search
work`` feeds the index from the change log in its own process, as in
production. Every ``--every`` requests (after a garbage collection and an
``ANALYZE``, which the machine's PostgreSQL runs without autovacuum) it
prints the process's anonymous and file-backed memory, glibc's heap
(``mallinfo2``: blocks in use, free blocks, mmapped), CPython's small-object
allocator (arenas of 1 MB and the bytes in their blocks), the number of
objects the garbage collector tracks, and the search executor's caches.
With ``--tracemalloc`` it also traces Python's allocations (slower, and its
own bookkeeping inflates the anonymous memory) and prints the lines whose
memory grew most from the third sample to the end.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.load_test import ROOT, Client, Stats, create_accounts, server_env
from bench.pg import analyze, drop_database, scratch_database
from bench.profile_mix import TestClientSession


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def heap() -> tuple[int, int, int]:
    """glibc's heap in MB: blocks in use, free blocks, mmapped blocks."""
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    return info.uordblks >> 20, info.fordblks >> 20, info.hblkhd >> 20


def small_objects() -> tuple[int, int]:
    """CPython's small-object allocator: arenas allocated, MB in their blocks
    (-1, -1 when the statistics are not printed, as under tracemalloc)."""
    with tempfile.TemporaryFile("w+") as out:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read()
    arenas = re.search(r"# arenas allocated current\s*=\s*([\d,]+)", text)
    used = re.search(r"# bytes in allocated blocks\s*=\s*([\d,]+)", text)
    if not arenas or not used:
        return -1, -1
    return int(arenas.group(1).replace(",", "")), int(used.group(1).replace(",", "")) >> 20


def process_memory() -> dict[str, int]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "RssAnon:", "RssFile:")):
            key, value = line.split(":")
            out[key] = int(value.split()[0]) >> 10
    return out


def search_caches() -> str:
    from app.search import executor

    return (
        f"postings {len(executor._postings._data)} ({executor._postings._bytes >> 10} KB), "
        f"blocks {len(executor._blocks._data)}, segments {len(executor._segments)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40000)
    parser.add_argument("--every", type=int, default=2000, help="requests between samples")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--tracemalloc",
        type=int,
        default=0,
        metavar="FRAMES",
        help="trace Python's allocations with this many frames (0: off)",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DOCTRACK_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="doctrack-worker-memory-"))
    name = f"doctrack_worker_memory_{os.getpid()}"
    database_url = scratch_database(args.postgres, name)
    env = server_env(database_url, work, 0)
    os.environ.update({k: v for k, v in env.items() if k.startswith("DOCTRACK_")})
    os.environ.update(
        DOCTRACK_ENV="production", DOCTRACK_SEARCH_INLINE="false", DOCTRACK_RATELIMIT_STORAGE_URI="memory://"
    )
    from app import create_app
    from app.extensions import db

    app = create_app()
    indexer = None
    try:
        tokens = create_accounts(app, args.clients)
        test_client = app.test_client()
        clients = []
        for n in range(args.clients):
            client = Client(n, "http://bench", tokens, Stats(), seed=7 + n)
            for key in ("head", "support", "qc"):
                client.sessions[key] = TestClientSession(test_client, tokens[key])
            client.sessions["me"] = TestClientSession(test_client, tokens["authors"][n])
            client.base = "/api/v1"
            clients.append(client)
        indexer = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "search", "work"],
            cwd=ROOT,
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if args.tracemalloc:
            tracemalloc.start(args.tracemalloc)
        actions, weights = zip(*Client.ACTIONS, strict=True)
        started = time.monotonic()
        baseline = None
        samples = 0
        for n in range(args.requests + 1):
            client = clients[n % len(clients)]
            client.rng.choices(actions, weights)[0](client)
            if n % args.every:
                continue
            analyze(database_url)
            gc.collect()
            memory = process_memory()
            used, free, mapped = heap()
            arenas, in_arenas = small_objects()
            traced = tracemalloc.get_traced_memory()[0] >> 20 if args.tracemalloc else -1
            print(
                f"{n:7d} req {time.monotonic() - started:6.0f} s  RSS {memory['VmRSS']:4d}  anonymous "
                f"{memory['RssAnon']:4d}  file {memory['RssFile']:3d}  malloc in use {used:3d} free {free:3d} "
                f"mmapped {mapped:3d}  arenas {arenas:4d} ({in_arenas} MB in blocks)  gc objects "
                f"{len(gc.get_objects()):7d}  traced {traced}  {search_caches()}",
                flush=True,
            )
            samples += 1
            if args.tracemalloc and samples == 3:
                baseline = tracemalloc.take_snapshot()
        if baseline is not None:
            for stat in tracemalloc.take_snapshot().compare_to(baseline, "lineno")[:25]:
                print(stat)
    finally:
        if indexer is not None:
            indexer.terminate()
            indexer.wait(timeout=60)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(args.postgres, name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
