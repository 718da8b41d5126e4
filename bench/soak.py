"""Soak test of the production shape: 20 clients for N minutes.

    .venv/bin/python -m bench.soak [--minutes 15] [--users 20] [--warmup 3] [--steady-corpus]

``scripts/production.sh`` (gunicorn 4 workers, one search indexer, one
scheduler, one OCR and preview worker) on a scratch PostgreSQL database, driven by the clients of
``bench/load_test.py`` (same mix). Every minute it samples, for every
process of the shape (found by session id), the resident memory (RSS) and
the open file descriptors. At the end: the samples, each process's growth
from the end of the warm-up to the median of the last three samples (and
the total's; the highest sample after warm-up beside it), the 5xx
count, and the load test's checks (every acknowledged upload stored with
its bytes, the index equal to the database). Exits 1 when a check fails,
a process grew by more than --max-growth percent (default 10) after
warm-up, or a process of the shape exited (a gunicorn worker replaced after
its DOCTRACK_MAX_REQUESTS is not counted: the workers are then judged
together, by their mean RSS). When the PostgreSQL server runs
no autovacuum, the soak runs ANALYZE on its database at every sample, as
autovacuum would (``--no-analyze``: not).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.load_test import (
    ROOT,
    Client,
    Stats,
    check_uploads,
    create_accounts,
    free_port,
    make_app,
    report,
    server_env,
    wait_for_outbox,
    wait_until_up,
)
from bench.pg import analyze, autovacuum_on, drop_database, scratch_database


def processes(session: int) -> dict[int, str]:
    """pid -> short name of every live process in ``session``: gunicorn's
    master and workers, not the extraction children a worker forks (they
    carry the worker's command line but come and go)."""
    found: dict[int, tuple[str, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[3]) != session:  # field 6 of stat: the session id
                continue
            parent = int(fields[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError):
            continue
        if "gunicorn" in cmdline:
            name = "gunicorn"
        elif "search work" in cmdline:
            name = "indexer"
        elif "scheduler" in cmdline:
            name = "scheduler"
        elif "ocr worker" in cmdline:
            name = "ocr worker"  # OCR and previews
        else:
            continue  # the bash of production.sh
        found[int(entry.name)] = (name, parent)

    def depth(pid: int) -> int:  # how many of its ancestors have its name
        name, parent = found[pid]
        return 1 + depth(parent) if parent in found and found[parent][0] == name else 0

    return {pid: name for pid, (name, _) in found.items() if depth(pid) <= (1 if name == "gunicorn" else 0)}


def crash_reports(log: Path, context: int = 40) -> list[str]:
    """The lines of ``log`` that tell of a crashed process: gunicorn's
    "Worker (pid:N) was sent SIGSEGV!" and, since production.sh sets
    PYTHONFAULTHANDLER, each "Fatal Python error" with the Python stack that
    follows it (at most ``context`` lines)."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    out: list[str] = []
    for n, line in enumerate(lines):
        if "was sent SIG" in line and "SIGTERM" not in line:  # SIGTERM: the soak's own stop
            out.append(line)
        elif line.startswith("Fatal Python error"):
            out.extend(lines[n : n + context])
        elif line.startswith("Debug memory block"):  # PYTHONMALLOC=debug: the damaged block
            out.extend(lines[n : n + 12])
    return out


def allow_core_dumps() -> None:
    """In the service's process, before production.sh starts: a crash
    (SIGSEGV in a C extension) leaves a core file with the C stack, where
    faulthandler shows only the Python one."""
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def parent_of(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def replaced_workers(log: Path) -> set[int]:
    """The gunicorn workers that left on purpose: each logs "Autorestarting
    worker" when it has served its DOCTRACK_MAX_REQUESTS (production.sh)."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return set()
    return {int(pid) for pid in re.findall(r"\[(\d+)\] \[INFO\] Autorestarting worker", text)}


def sample(pids: dict[int, str]) -> dict[int, tuple[int, int, int, int]]:
    """pid -> (RSS in KB, open fds, anonymous KB, file-backed KB). RSS is
    the two together (and shared memory): the file-backed part of the
    index's memory maps is page cache shared by every process reading it."""
    out = {}
    for pid in pids:
        try:
            status = {
                line.split(":")[0]: int(line.split()[1])
                for line in open(f"/proc/{pid}/status")
                if line.startswith(("VmRSS:", "RssAnon:", "RssFile:"))
            }
            fds = len(os.listdir(f"/proc/{pid}/fd"))
        except (OSError, ValueError):
            continue
        if "VmRSS" in status:
            out[pid] = (status["VmRSS"], fds, status.get("RssAnon", 0), status.get("RssFile", 0))
    return out


def _steady_advance(client: Client) -> None:
    """``advance`` that never files: a client whose reports are all closed
    reads one of them back instead (``Client.advance`` files a new one)."""
    if client.issues:
        return client.advance()
    if client.closed:
        issue_id = client.rng.choice(client.closed)
        client.call("me", "GET", "GET /issues/{id}", f"/issues/{issue_id}")


def _steady_submit(client: Client) -> None:
    """``submit`` that never uploads: with no draft left, a new version."""
    if client.drafts:
        return client.submit()
    return _steady_new_version(client)


def _steady_new_version(client: Client) -> None:
    """``new_version`` that never uploads a new document."""
    if client.documents:
        return client.new_version()


# The mix without the actions that add documents or reports, and with the
# ones that would fall back to adding one (no open report, no draft, no
# document) made not to: the index keeps its number of documents.
_STEADY_SWAP = {
    Client.advance: _steady_advance,
    Client.submit: _steady_submit,
    Client.new_version: _steady_new_version,
}
STEADY = tuple(
    (_STEADY_SWAP.get(action, action), weight)
    for action, weight in Client.ACTIONS
    if action not in (Client.upload, Client.report)
)


def corpus(app) -> str:
    """The number of documents and problem reports in the database, and the
    index change log: its rows, and how many of them (and how old the
    oldest) are past the cursor of the node that lags most."""
    from sqlalchemy import func, select

    from app.documents.models import Document
    from app.extensions import db
    from app.issues.models import Issue
    from app.search import changelog
    from app.search.models import IndexChange

    with app.app_context():
        documents = db.session.scalar(select(func.count()).select_from(Document))
        reports = db.session.scalar(select(func.count()).select_from(Issue))
        rows = db.session.scalar(select(func.count()).select_from(IndexChange))
        lowest = min((tuple(n["cursor"]) for n in changelog.nodes(db.session)), default=changelog.START)
        lag, oldest = changelog.pending(db.session, lowest)
        db.session.remove()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    age = f", oldest {(datetime.now(UTC) - oldest).total_seconds():.0f} s" if oldest else ""
    return f"{documents} documents, {reports} reports; change log {rows} rows, {lag} to index{age}"


def run(client: Client, deadline: float, steady_at: float | None) -> None:
    """``Client.run``, switching to the steady mix at ``steady_at``."""
    while time.monotonic() < deadline:
        mix = STEADY if steady_at is not None and time.monotonic() >= steady_at else Client.ACTIONS
        actions, weights = zip(*mix, strict=True)
        client.rng.choices(actions, weights)[0](client)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=15)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument(
        "--warmup", type=int, default=3, help="minutes before the growth baseline (default 3)"
    )
    parser.add_argument("--interval", type=float, default=60, help="seconds between samples (default 60)")
    parser.add_argument(
        "--max-growth", type=float, default=10, help="percent allowed after warm-up (default 10)"
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DOCTRACK_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument(
        "--steady-corpus",
        action="store_true",
        help="after warm-up, no new documents or reports: new versions, decisions, report "
        "steps, searches and reads only, so the index stops growing (leak or growth?)",
    )
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="when the server runs no autovacuum, do not refresh the planner's statistics each "
        "sample (by default the soak does, as autovacuum would in production)",
    )
    parser.add_argument(
        "--core-dumps",
        action="store_true",
        help="let the service's processes dump core when they crash (RLIMIT_CORE unlimited): the "
        "kernel writes it where /proc/sys/kernel/core_pattern says, 'core' in the checkout by "
        "default; the soak moves such files into its work folder and prints the gdb command",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the service's processes only, not the soak's clients "
        "(repeatable); e.g. PYTHONMALLOC=debug to catch a heap overrun where it happens",
    )
    args = parser.parse_args(argv)
    if any("=" not in item for item in args.server_env):
        parser.error("--server-env takes NAME=VALUE")
    extra_env = dict(item.split("=", 1) for item in args.server_env)  # a repeated NAME: the last wins

    work = Path(tempfile.mkdtemp(prefix="doctrack-soak-"))
    db_name = f"doctrack_soak_{os.getpid()}"
    port = free_port()
    database_url = scratch_database(args.postgres, db_name)
    # PostgreSQL's autovacuum keeps the planner's statistics as tables grow;
    # a server without it (this project's machines) stays with empty-table
    # estimates, and the soak slowed threefold in 30 minutes on plans no
    # production server would choose. Then the soak runs ANALYZE itself.
    stand_in = not args.no_analyze and not autovacuum_on(database_url)
    if stand_in:
        print("soak: the server runs no autovacuum; ANALYZE runs at every sample instead", flush=True)
    env = server_env(database_url, work, port)
    env["DOCTRACK_WORKERS"] = str(args.workers)
    app = make_app(env)
    env.update(extra_env)  # after make_app: the soak's own process keeps its environment
    tokens = create_accounts(app, args.users)
    log = open(work / "server.log", "w")
    server = subprocess.Popen(
        ["bash", str(ROOT / "scripts" / "production.sh")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=allow_core_dumps if args.core_dumps else None,
    )
    base = f"http://127.0.0.1:{port}"
    failures: list[str] = []
    try:
        wait_until_up(base, server)
        pids = processes(server.pid)
        names = sorted(pids.items(), key=lambda item: (item[1], item[0]))
        print(
            f"soak: {args.users} clients for {args.minutes:g} min against {base}; processes: "
            + ", ".join(f"{name} {pid}" for pid, name in names),
            flush=True,
        )
        stats = Stats()
        clients = [Client(n, base, tokens, stats, args.seed + n) for n in range(args.users)]
        started = time.monotonic()
        deadline = started + args.minutes * 60
        steady_at = started + args.warmup * 60 if args.steady_corpus else None
        threads = [threading.Thread(target=run, args=(c, deadline, steady_at)) for c in clients]
        for thread in threads:
            thread.start()
        samples: list[tuple[float, dict[int, tuple[int, int]], int, int]] = []
        recycled: set[int] = set()
        pids_seen = dict(pids)
        masters = {
            pid for pid, name in pids.items() if name == "gunicorn" and pids.get(parent_of(pid)) != "gunicorn"
        }
        while True:
            now = time.monotonic() - started
            live = processes(server.pid)
            gone = set(pids) - set(live)
            replaced = gone & replaced_workers(work / "server.log")
            if replaced:
                print(
                    "soak: workers replaced after their share of requests: "
                    + ", ".join(str(p) for p in sorted(replaced)),
                    flush=True,
                )
                recycled |= replaced
                gone -= replaced
                pids = {pid: name for pid, name in pids.items() if pid not in replaced}
            if gone:
                failures.append(
                    f"processes exited during the soak: {', '.join(f'{pids[p]} {p}' for p in sorted(gone))}"
                )
                pids = {pid: name for pid, name in pids.items() if pid in live}
            # gunicorn replaces a worker that died: sample the replacement too
            # (its growth is not counted: it started after the warm-up).
            born = {pid: name for pid, name in live.items() if pid not in pids}
            if born:
                print(
                    "soak: new processes: " + ", ".join(f"{n} {p}" for p, n in sorted(born.items())),
                    flush=True,
                )
                pids.update(born)
                pids_seen.update(born)
            with stats.lock:
                done = sum(len(v) for v in stats.timings.values())
                errors = len(stats.server_errors)
            samples.append((now, sample(pids), done, errors))
            if stand_in:
                analyze(database_url)
            print(
                f"  {now / 60:5.1f} min  requests {done:6}  5xx {errors:3}  {corpus(app)}\n         "
                + "  ".join(
                    f"{pids[p]}:{rss // 1024}MB/{fds}fd"
                    for p, (rss, fds, *_) in sorted(samples[-1][1].items())
                ),
                flush=True,
            )
            if now >= args.minutes * 60:
                break
            time.sleep(max(0.0, min(args.interval, args.minutes * 60 - now)))
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        report(stats, elapsed)

        warm = next((s for s in samples if s[0] >= args.warmup * 60), samples[0])
        # The end is the median of the last three samples: a single sample
        # may fall in the trough after a large index merge (every searching
        # process lets go of the merged segments' pages at once) or on a
        # large response in flight, and either decided the verdict alone.
        tail = [s for s in samples[-3:] if s[0] > warm[0]] or samples[-1:]
        print(
            f"\ngrowth from {warm[0] / 60:.1f} min (end of warm-up) to the median of the samples at "
            + ", ".join(f"{s[0] / 60:.1f}" for s in tail)
            + " min (highest after warm-up in brackets):"
        )
        total_warm = total_last = 0
        for pid, name in sorted(pids.items()):
            ends = [s[1][pid] for s in tail if pid in s[1]]
            if pid not in warm[1] or len(ends) < len(tail):
                continue
            rss0, fd0, anon0, file0 = warm[1][pid]
            rss1, fd1, anon1, file1 = (int(statistics.median(values)) for values in zip(*ends, strict=True))
            highest = max(s[1][pid][0] for s in samples if s[0] >= warm[0] and pid in s[1])
            total_warm, total_last = total_warm + rss0, total_last + rss1
            growth = (rss1 - rss0) / rss0 * 100
            print(
                f"  {name:<10} {pid:>7}  RSS {rss0 / 1024:7.1f} -> {rss1 / 1024:7.1f} MB ({growth:+5.1f} %) "
                f"[{highest / 1024:.1f}]  fds {fd0} -> {fd1}  (anonymous {anon0 / 1024:.1f} -> {anon1 / 1024:.1f} MB "
                f"{(anon1 - anon0) / max(anon0, 1) * 100:+.1f} %, file-backed {file0 / 1024:.1f} -> {file1 / 1024:.1f} MB)"
            )
            if growth > args.max_growth:
                failures.append(f"{name} {pid}: RSS grew {growth:.1f} % after warm-up")
            if fd1 > fd0 + 20:
                failures.append(f"{name} {pid}: open files grew from {fd0} to {fd1}")
        if recycled:
            # Workers replaced during the run have no growth of their own to
            # judge: the web workers are judged together, by their mean RSS.
            def mean_web(at) -> float:
                sizes = [
                    rss
                    for pid, (rss, *_) in at[1].items()
                    if pids_seen.get(pid) == "gunicorn" and pid not in masters
                ]
                return statistics.mean(sizes) if sizes else 0.0

            web0 = mean_web(warm)
            web1 = statistics.median(mean_web(s) for s in tail)
            growth = (web1 - web0) / web0 * 100 if web0 else 0.0
            print(
                f"  {'gunicorn workers, mean':<24} RSS {web0 / 1024:7.1f} -> {web1 / 1024:7.1f} MB "
                f"({growth:+5.1f} %); {len(recycled)} workers replaced after their share of requests"
            )
            if growth > args.max_growth:
                failures.append(f"the web workers' mean RSS grew {growth:.1f} % after warm-up")
        if total_warm:
            print(
                f"  {'all':<18} RSS {total_warm / 1024:7.1f} -> {total_last / 1024:7.1f} MB "
                f"({(total_last - total_warm) / total_warm * 100:+5.1f} %)"
            )

        left = wait_for_outbox(app, timeout=180)
        if left:
            failures.append(f"the indexer left {left} outbox rows")
        from app.search import indexer

        with app.app_context():
            index = indexer.check(app.config)
        print(
            f"index: {index['indexed']} indexed, {index['expected']} expected, missing {len(index['missing'])}, "
            f"extra {len(index['extra'])}, stale {len(index['stale'])}"
        )
        if index["missing"] or index["extra"] or index["stale"]:
            failures.append("the index differs from the database")
        lost = check_uploads(app, stats.uploads)
        print(f"uploads acknowledged: {len(stats.uploads)}; lost or damaged: {len(lost)}")
        print(f"5xx responses: {len(stats.server_errors)}; transport errors: {len(stats.transport_errors)}")
        failures += lost
        failures += [f"{route}: HTTP {status} {body}" for route, status, body in stats.server_errors[:20]]
        failures += [f"{route}: {error}" for route, error in stats.transport_errors[:20]]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
        crashes = crash_reports(work / "server.log")
        if crashes:
            print("\nprocess crashes in the server log:\n" + "\n".join(crashes), flush=True)
            failures.append(
                f"{sum(1 for line in crashes if 'was sent' in line)} worker(s) killed by a signal"
            )
        if args.core_dumps:
            for core in sorted(ROOT.glob("core*")):
                if core.is_file() and (core.name == "core" or core.name[5:].isdigit()):
                    kept = work / core.name
                    core.rename(kept)
                    print(
                        f"core dump: {kept}  (gdb -iex 'add-auto-load-safe-path /' {sys.executable} {kept}, "
                        "then: bt for the C stack, py-bt for Python's)",
                        flush=True,
                    )
        with app.app_context():
            from app.extensions import db

            db.engine.dispose()
        drop_database(args.postgres, db_name)
    if failures:
        print(
            f"\nserver log: {work / 'server.log'}\nFAILED:\n  " + "\n  ".join(failures[:50]), file=sys.stderr
        )
        return 1
    print("\nsoak: passed (no 5xx, no growth over the limit, nothing lost)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
