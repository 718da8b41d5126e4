"""bench/load_test.py on an old commit and on this checkout, in one run.

    .venv/bin/python -m bench.load_compare [--base 86df7e7] [--users 20] [--duration 60] [--baseline 15]

The old commit is exported (``git archive``) into a temporary folder that
shares this checkout's virtualenv; each side then runs the same load test
(this checkout's bench/load_test.py, the side's own application and
scripts/production.sh, a scratch PostgreSQL database of its own), one after
the other, alternated for --rounds rounds (old, new, old, new). Prints the
medians for both: one client's p50, 20 clients' p50, p95 and throughput,
the server's CPU time per request (gunicorn workers and their children:
the work per request, much less sensitive than latency to whatever else
the machine runs), and the ratios new/old. Exits 1 when either run fails
its checks (5xx, lost upload, index disagreement).
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

ROOT = Path(__file__).resolve().parents[1]


def export(commit: str, into: Path) -> Path:
    tree = into / f"doctrack-{commit}"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    (tree / ".venv").symlink_to(ROOT / ".venv")
    return tree


def run_side(tree: Path, out: Path, args) -> int:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [
        sys.executable,
        str(ROOT / "bench" / "load_test.py"),
        "--root",
        str(tree),
        "--json",
        str(out),
        "--users",
        str(args.users),
        "--duration",
        str(args.duration),
        "--baseline",
        str(args.baseline),
        "--workers",
        str(args.workers),
        "--floor",
        str(args.floor),
    ]
    print(f"\n=== {tree.name}: {' '.join(command[1:])}", flush=True)
    return subprocess.run(command, cwd=tree, env=env).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="86df7e7", help="the commit to compare with (default 86df7e7)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--baseline", type=float, default=15, help="seconds of one client alone")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2, help="alternated runs of each side (default 2)")
    parser.add_argument(
        "--floor",
        type=int,
        default=300,
        help="cheapest requests measured first on each side, one client (load_test.py --floor)",
    )
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="doctrack-compare-"))
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "app"], capture_output=True, text=True
        ).stdout.strip()
        base_tree = export(args.base, work)
        failed = 0
        runs: dict[str, list[dict]] = {"old": [], "new": []}
        # Alternated (old, new, old, new...): a machine whose load drifts
        # during the run weighs on both sides alike.
        for round_ in range(args.rounds):
            for side, tree in (("old", base_tree), ("new", ROOT)):
                out = work / f"{side}-{round_}.json"
                failed |= run_side(tree, out, args)
                runs[side].append(json.loads(out.read_text()))
        label = f"{head}{'+changes' if dirty else ''}"
        print(
            f"\nmedians of {args.rounds} alternated round(s); {args.users} clients for {args.duration:g} s, "
            f"1 client for {args.baseline:g} s"
        )
        print(f"{'':<34} {args.base:>12} {label:>16} {'new/old':>8}")
        for key, name in (
            ("one_client_p50_ms", "1 client p50 (ms)"),
            ("p50_ms", f"{args.users} clients p50 (ms)"),
            ("p95_ms", f"{args.users} clients p95 (ms)"),
            ("throughput", "throughput (req/s)"),
            ("one_client_cpu_ms_per_request", "server CPU/request, 1 client (ms)"),
            ("cpu_ms_per_request", f"server CPU/request, {args.users} clients (ms)"),
            ("floor_health_p50_ms", "floor: health, 1 client p50 (ms)"),
            ("floor_authenticated_p50_ms", "floor: token + 404, p50 (ms)"),
            ("floor_authenticated_raw_p50_ms", "floor: same, http.client (ms)"),
        ):
            old = (
                statistics.median(r[key] for r in runs["old"] if r.get(key) is not None)
                if any(r.get(key) is not None for r in runs["old"])
                else None
            )
            if not any(r.get(key) is not None for r in runs["new"]):
                continue
            new = statistics.median(r[key] for r in runs["new"] if r.get(key) is not None)
            if old is None:
                print(f"{name:<34} {'-':>12} {new:>16.1f}")
            else:
                print(f"{name:<34} {old:>12.1f} {new:>16.1f} {new / old:>8.2f}")
        routes = sorted(
            {route for r in runs["old"] + runs["new"] for route in r.get("one_client_routes", {})}
        )
        if routes:
            print(f"\n{'1 client, p50 by route (ms)':<62} {args.base:>12} {label:>16} {'new/old':>8}")
        for route in routes:
            sides = [
                [
                    r["one_client_routes"][route]["p50_ms"]
                    for r in runs[side]
                    if route in r.get("one_client_routes", {})
                ]
                for side in ("old", "new")
            ]
            if all(sides):
                old_p50, new_p50 = (statistics.median(values) for values in sides)
                count = sum(
                    r["one_client_routes"][route]["n"]
                    for r in runs["new"]
                    if route in r.get("one_client_routes", {})
                )
                print(
                    f"  {route:<52} n={count:<6} {old_p50:>12.1f} {new_p50:>16.1f} {new_p50 / old_p50:>8.2f}"
                )
        print(
            f"{'5xx':<34} {sum(r['server_errors'] for r in runs['old']):>12} "
            f"{sum(r['server_errors'] for r in runs['new']):>16}"
        )
        return 1 if failed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
