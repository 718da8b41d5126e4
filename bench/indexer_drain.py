"""How fast a node's indexer applies a backlog of the change log: an old
commit against this checkout, on the same backlog, in one run.

    .venv/bin/python -m bench.indexer_drain [--base c5c0afd] [--fill 120] [--rounds 2] [--batch-size N]

Fill: the load test's mix (bench/load_test.py, 20 clients) runs for --fill
seconds against gunicorn on a scratch PostgreSQL database with no indexer
running, after an empty index was built and its node registered: every
change the mix makes stays in the change log, after the node's cursor.
That database becomes a template and the instance folder (the index) is
kept.

Each run, alternated (old, new, old, new ...): a copy of the template and of
the index, then ``drain`` of that side's application in a fresh process
(the side's own code, this checkout's virtualenv), timed around the call
alone (not the start-up), with its CPU time; then ``check``: the index must
equal the database. Prints each run, the medians per side (seconds,
changes per second, CPU seconds) and the ratios new/old; with --profile,
where this checkout's drain spends its time. The soak's mix
makes about 60 changes a second at 136 requests a second (issue 20): a
drain slower than that falls behind for as long as the load lasts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.load_compare import export
from bench.load_test import ROOT, create_accounts, free_port, make_app, run_phase, server_env, wait_until_up
from bench.pg import drop_database, scratch_database

# Run inside each side's tree: its own ``app`` package.
_DRAIN = """
import json, resource, sys, time
from app import create_app
from app.search import indexer
app = create_app()
with app.app_context():
    profiler = None
    if sys.argv[2]:
        from pyinstrument import Profiler
        profiler = Profiler(interval=0.002)
        profiler.start()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    applied = indexer.drain(app.config, **({"batch_size": int(sys.argv[1])} if sys.argv[1] else {}))
    seconds = time.perf_counter() - started
    if profiler is not None:
        profiler.stop()
        open(sys.argv[2], "w").write(profiler.output_text(show_all=False))
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    check = indexer.check(app.config)
print(json.dumps({
    "applied": applied,
    "seconds": seconds,
    "cpu": (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime),
    "indexed": check["indexed"],
    "differs": len(check["missing"]) + len(check["extra"]) + len(check["stale"]),
}))
"""


def fill(args, work: Path, template: str) -> dict:
    """The template database and index folder: a registered empty index and
    the change log of --fill seconds of the load test's mix."""
    database_url = scratch_database(args.postgres, template)
    port = free_port()
    env = server_env(database_url, work, port)
    env.update(DOCTRACK_ENV="production", DOCTRACK_SEARCH_INLINE="false", DOCTRACK_NODE_NAME="drain-bench")
    app = make_app(env)
    tokens = create_accounts(app, args.users)
    from sqlalchemy import func, select

    from app.extensions import db
    from app.search import indexer
    from app.search.models import IndexChange

    with app.app_context():
        indexer.rebuild(app.config)  # an index, and the node registered at the log's head
    log = open(work / "server.log", "w")
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--workers",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}", server)
        stats, elapsed = run_phase(f"http://127.0.0.1:{port}", tokens, args.users, args.fill, args.seed)
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
    requests = sum(len(v) for v in stats.timings.values())
    with app.app_context():
        changes = db.session.scalar(select(func.count()).select_from(IndexChange))
        db.session.remove()
        db.engine.dispose()
    print(
        f"fill: {args.users} clients for {elapsed:.0f} s, {requests} requests, {len(stats.server_errors)} 5xx; "
        f"change log {changes} rows ({changes / elapsed:.1f} a second)",
        flush=True,
    )
    return {"env": env, "changes": changes}


def run(tree: Path, args, env: dict, template: str, work: Path, label: str, profile: str = "") -> dict:
    name = f"doctrack_drain_run_{os.getpid()}"
    url = scratch_database(args.postgres, name, template=template)
    instance = work / "run-instance"
    shutil.rmtree(instance, ignore_errors=True)
    shutil.copytree(work / "instance", instance)
    run_env = {
        **env,
        "DOCTRACK_DATABASE_URL": url,
        "DOCTRACK_INSTANCE_DIR": str(instance),
        "PYTHONPATH": str(tree),
    }
    try:
        out = subprocess.run(
            [sys.executable, "-c", _DRAIN, str(args.batch_size or ""), profile],
            cwd=tree,
            env=run_env,
            capture_output=True,
            text=True,
        )
    finally:
        drop_database(args.postgres, name)
    if out.returncode != 0:
        raise SystemExit(f"drain on {label} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"  {label:<8} applied {result['applied']:6}  {result['seconds']:7.2f} s  "
        f"{result['applied'] / result['seconds']:7.1f} changes/s  CPU {result['cpu']:6.2f} s  "
        f"index {result['indexed']} entries, {result['differs']} differ from the database",
        flush=True,
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="c5c0afd", help="the commit to compare with (default c5c0afd)")
    parser.add_argument("--fill", type=float, default=120, help="seconds of load that make the backlog")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--batch-size", type=int, help="changes per index commit at most (default: each side's own)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--profile",
        type=Path,
        help="one more run of this checkout under pyinstrument (pip install .[bench]): its text here",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DOCTRACK_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args(argv)

    temp = Path(tempfile.mkdtemp(prefix="doctrack-drain-"))
    template = f"doctrack_drain_tpl_{os.getpid()}"
    failures = []
    try:
        filled = fill(args, temp, template)
        sides = {"old": export(args.base, temp), "new": ROOT}
        results: dict[str, list[dict]] = {"old": [], "new": []}
        for _ in range(args.rounds):
            for label, tree in sides.items():
                result = run(tree, args, filled["env"], template, temp, label)
                results[label].append(result)
                if result["differs"]:
                    failures.append(f"{label}: the index differs from the database after the drain")
        print(
            f"\nbacklog {filled['changes']} changes; medians of {args.rounds} runs each (old = {args.base}):"
        )
        medians = {}
        for label, runs in results.items():
            seconds = statistics.median(r["seconds"] for r in runs)
            cpu = statistics.median(r["cpu"] for r in runs)
            rate = statistics.median(r["applied"] / r["seconds"] for r in runs)
            medians[label] = (seconds, rate, cpu)
            print(f"  {label:<4} {seconds:7.2f} s  {rate:7.1f} changes/s  CPU {cpu:6.2f} s")
        (s0, r0, c0), (s1, r1, c1) = medians["old"], medians["new"]
        print(f"  new/old: time {s1 / s0:.2f}, rate {r1 / r0:.2f}, CPU {c1 / c0:.2f}")
        if args.profile:
            run(ROOT, args, filled["env"], template, temp, "profiled", str(args.profile.resolve()))
            print(f"profile of this checkout's drain: {args.profile}")
    finally:
        drop_database(args.postgres, template)
        shutil.rmtree(temp, ignore_errors=True)
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
