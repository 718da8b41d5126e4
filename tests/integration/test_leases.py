"""Job leases: each slot of a scheduled job runs on one node only."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from app import leases
from app.backup.scheduler import slot_of
from app.extensions import db
from app.leases import JobLease

ROOT = Path(__file__).resolve().parents[2]


def test_a_slot_is_taken_once_and_a_dead_holders_lease_expires(app):
    engine = db.engine
    with leases.held(engine, "backup", "slot-1", "node-a", 60) as lease:
        assert lease is not None and lease()
        # While node A runs slot 1, node B can take neither it nor the next slot.
        with leases.held(engine, "backup", "slot-1", "node-b", 60) as other:
            assert other is None
        with leases.held(engine, "backup", "slot-2", "node-b", 60) as other:
            assert other is None
    # Finished: slot 1 never runs again, on any node; slot 2 may.
    with leases.held(engine, "backup", "slot-1", "node-b", 60) as other:
        assert other is None
    row = db.session.get(JobLease, "backup")
    assert (row.holder, row.run_key, row.ok) == ("node-a", "slot-1", True)
    with leases.held(engine, "backup", "slot-2", "node-b", 60) as other:
        assert other is not None
    # A node that died mid-run: its lease expires and another node runs the slot.
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        assert leases.acquire(session, "backup", "slot-3", "node-a", 0.01)
    time.sleep(0.05)
    with leases.held(engine, "backup", "slot-3", "node-b", 60) as other:
        assert other is not None
    db.session.expire_all()
    assert db.session.get(JobLease, "backup").holder == "node-b"


def test_a_failed_run_is_recorded_and_the_lease_freed(app):
    try:
        with leases.held(db.engine, "gc", "slot-1", "node-a", 60):
            raise RuntimeError("disk on fire")
    except RuntimeError:
        pass
    row = db.session.scalar(select(JobLease).where(JobLease.name == "gc"))
    assert row.ok is False and row.finished_at is not None
    with leases.held(db.engine, "gc", "slot-2", "node-b", 60) as other:
        assert other is not None


def test_the_slot_is_the_triggers_latest_fire_time():
    trigger = CronTrigger(hour=2, minute=0, timezone="Asia/Taipei")
    at = datetime(2026, 11, 26, 18, 0, 3, tzinfo=UTC)  # 02:00:03 on the 27th in Taipei
    assert slot_of(trigger, at) == "2026-11-27T02:00:00+08:00"
    # Two nodes firing the same slot a little apart agree on its key.
    assert slot_of(trigger, at + timedelta(minutes=20)) == slot_of(trigger, at)
    assert slot_of(trigger, at + timedelta(days=1)) == "2026-11-28T02:00:00+08:00"


PROBE = r"""
import logging, sys, threading, time
from datetime import UTC, datetime
from pathlib import Path
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from app import create_app
from app.backup.scheduler import add_jobs, current_run_key

url, instance, node, folder, seconds = sys.argv[1:6]
folder = Path(folder)
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(name)s %(message)s")
app = create_app({"DATABASE_URL": url, "INSTANCE_DIR": instance, "SECRET_KEY": "x", "NODE_NAME": node})
trigger = CronTrigger(second="*/2", timezone="UTC")

def probe(app):
    slot = current_run_key()
    with open(folder / "runs", "a") as fh:
        fh.write(f"{slot} {node}\n")
    time.sleep(1)  # long enough for the other node to try the same slot meanwhile
    return 1

scheduler = BlockingScheduler(timezone="UTC")
add_jobs(scheduler, app, [(probe, trigger, "probe", {"misfire_grace_time": 30})])
(folder / f"ready-{node}").touch()
while not (folder / "go").exists():
    time.sleep(0.05)
threading.Timer(float(seconds), lambda: scheduler.shutdown(wait=False)).start()
scheduler.start()
"""


def test_two_scheduler_processes_run_each_slot_once(app, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    nodes = [
        subprocess.Popen(
            [sys.executable, "-c", PROBE, url, str(tmp_path / name), name, str(tmp_path), "7"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name in ("node-a", "node-b")
    ]
    try:
        deadline = time.monotonic() + 120
        while not all((tmp_path / f"ready-{n}").exists() for n in ("node-a", "node-b")):
            assert time.monotonic() < deadline, "the schedulers did not start"
            assert all(p.poll() is None for p in nodes), [p.communicate()[0] for p in nodes]
            time.sleep(0.1)
        (tmp_path / "go").touch()
        outputs = [p.communicate(timeout=120)[0] for p in nodes]
    finally:
        for p in nodes:
            p.kill()
    assert all(p.returncode == 0 for p in nodes), outputs
    runs = [line.split() for line in (tmp_path / "runs").read_text().splitlines()]
    slots = [slot for slot, _ in runs]
    assert len(slots) >= 2, "\n".join(outputs)
    assert len(slots) == len(set(slots)), f"a slot ran twice: {runs}"
    # Both schedulers fired the slots: the losers skipped them.
    skipped = sum(out.count("runs on another node; skipped here") for out in outputs)
    assert skipped >= len(slots) - 1, outputs
