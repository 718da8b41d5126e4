"""``flask scheduler``: backup create + prune on a cron expression,
versions made effective on their planned date (at the start of each day in
the company's time zone, and once at start-up), reading reminders, and the
nightly storage garbage collection (03:30).

Several nodes may each run ``flask scheduler``: every job runs under a
lease in the database (app.leases), so each slot runs on one node only.

A failed run is logged with its reason; nothing is retried early: the next
slot simply runs again. Each run's outcome is written to
``<BACKUP_DIR>/last_run.json`` for the admin page.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from app.backup.service import create_backup, prune

log = logging.getLogger("doctrack.backup")


def run_backup_job(app: Flask) -> bool:
    config = app.config
    root = Path(config["BACKUP_DIR"])
    started = datetime.now(UTC)
    outcome: dict[str, object] = {"started_at": started.isoformat()}
    try:
        with app.app_context():
            path = create_backup(app)
            removed = prune(
                root,
                daily=config["BACKUP_KEEP_DAILY"],
                weekly=config["BACKUP_KEEP_WEEKLY"],
                monthly=config["BACKUP_KEEP_MONTHLY"],
            )
        outcome.update(ok=True, backup=path.name, pruned=removed)
        log.info("backup %s written; pruned %d old backups", path.name, len(removed))
    except Exception as exc:  # noqa: BLE001 - a failed run is logged and retried at the next slot
        outcome.update(ok=False, error=f"{type(exc).__name__}: {exc}")
        log.error("backup failed: %s; the next scheduled run will try again", outcome["error"])
    outcome["finished_at"] = datetime.now(UTC).isoformat()
    try:
        root.mkdir(parents=True, exist_ok=True)
        (root / "last_run.json").write_text(json.dumps(outcome))
    except OSError as exc:
        log.error("could not record the backup run: %s", exc)
    return bool(outcome["ok"])


def _run(app: Flask, name: str, work) -> int:
    """Run ``work()`` (returning how many things it did) in an application
    context and commit. A failure is logged and rolled back; the next slot
    simply runs again. Every job is harmless to run twice; under
    ``make_scheduler`` each slot runs once across nodes (``_leased``)."""
    from app.extensions import db

    with app.app_context():
        try:
            done = work()
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - logged; the next run tries again
            db.session.rollback()
            log.error("%s: %s: %s; the next run will try again", name, type(exc).__name__, exc)
            return 0
        return done


def run_effective_dates_job(app: Flask) -> int:
    """Make approved versions whose date has come effective: each change is a
    compare-and-set from "approved" (app.approval.service.make_due_versions_effective)."""
    from app.approval.service import make_due_versions_effective

    def work() -> int:
        done = make_due_versions_effective()
        for version in done:
            log.info("effective dates: %s is effective from %s", version.label, version.effective_on)
        return len(done)

    return _run(app, "effective dates", work)


def run_reading_reminders_job(app: Flask) -> int:
    """Remind readers of due and overdue reading tasks (once a day each)."""
    from app.training.service import send_reminders

    return _run(app, "reading reminders", send_reminders)


def run_storage_gc_job(app: Flask) -> int:
    """Remove blob files no row refers to, older than STORAGE_GC_HOURS (a
    worker killed between storing a file and committing its row): the
    nightly `flask storage gc`. Young files are kept."""
    from app.documents.blobs import collect_garbage
    from app.storage import get_store

    def work() -> int:
        result = collect_garbage(get_store(), older_than_hours=app.config["STORAGE_GC_HOURS"])
        if result["removed"]:
            log.info(
                "storage gc: removed %d unreferenced blob files (%d bytes)",
                len(result["removed"]),
                result["bytes"],
            )
        return len(result["removed"])

    return _run(app, "storage gc", work)


def run_saved_search_job(app: Flask) -> int:
    """Daily notices of saved searches with new results (once a day each)."""
    from app.clock import company_today
    from app.search.saved import notify_new_results

    return _run(app, "saved searches", lambda: notify_new_results(company_today()))


def run_reminders_job(app: Flask) -> int:
    """Reminders and escalation (app.reminders.service): each reminder is
    recorded with its notification, so a second run sends nothing twice."""
    from app.reminders.service import send_reminders

    return _run(app, "reminders", lambda: len(send_reminders()))


def run_monthly_report_job(app: Flask) -> int:
    """On the first day of the month, last month's product-tracking report
    (app.reminders.report), once: the claim is recorded with the version."""
    from app.reminders.report import publish_once

    return _run(app, "monthly report", publish_once)


def run_digest_job(app: Flask) -> int:
    """The daily digest e-mails (app.reminders.digest), once a day each."""
    from app.reminders.digest import send_digests

    return _run(app, "digests", send_digests)


def make_scheduler(app: Flask) -> BlockingScheduler:
    timezone = app.config["BABEL_DEFAULT_TIMEZONE"]
    scheduler = BlockingScheduler(timezone=timezone)
    jobs = [  # (job, trigger, id, options)
        (
            run_backup_job,
            CronTrigger.from_crontab(app.config["BACKUP_CRON"], timezone=timezone),
            "backup",
            {},
        ),
        # At the start of the company's day, and once at start-up (a date passed while it was down).
        (
            run_effective_dates_job,
            CronTrigger(hour=0, minute=0, second=5, timezone=timezone),
            "effective_dates",
            {"misfire_grace_time": None, "next_run_time": datetime.now(UTC)},
        ),
        (run_storage_gc_job, CronTrigger(hour=3, minute=30, timezone=timezone), "storage_gc", {}),
        (run_saved_search_job, CronTrigger(hour=7, minute=0, timezone=timezone), "saved_searches", {}),
        (
            run_reading_reminders_job,
            CronTrigger(hour=8, minute=0, timezone=timezone),
            "reading_reminders",
            {},
        ),
        (run_reminders_job, CronTrigger(hour=8, minute=15, timezone=timezone), "reminders", {}),
        (run_digest_job, CronTrigger(hour=7, minute=30, timezone=timezone), "digests", {}),
        (
            run_monthly_report_job,
            CronTrigger(day=1, hour=6, minute=0, timezone=timezone),
            "monthly_report",
            {},
        ),
    ]
    add_jobs(scheduler, app, jobs)
    return scheduler


def add_jobs(scheduler: BlockingScheduler, app: Flask, jobs) -> None:
    """Add each row of the job table, run under its lease (app.leases): on
    several nodes each slot of each job runs once, on whichever node takes
    the lease first."""
    for job, trigger, job_id, options in jobs:
        scheduler.add_job(
            _leased,
            trigger,
            args=[app, job, job_id, trigger],
            id=job_id,
            coalesce=True,
            max_instances=1,
            **{"misfire_grace_time": 3600, **options},
        )


def slot_of(trigger, now: datetime) -> str:
    """The run key of a job fired at ``now``: its trigger's latest fire time
    at or before ``now`` (the slot every node's scheduler is running), or,
    for a run between slots (the start-up run), the slot before it."""
    latest = None
    # The narrowest look-back that holds a fire time: a job firing every few
    # seconds is not walked through two days of slots.
    for back in (timedelta(minutes=1), timedelta(hours=1), timedelta(days=2), timedelta(days=40)):
        probe = trigger.get_next_fire_time(None, now - back)
        while probe is not None and probe <= now:
            latest = probe
            probe = trigger.get_next_fire_time(probe, probe + timedelta(microseconds=1))
        if latest is not None:
            break
    return (latest or now.replace(microsecond=0)).isoformat()


_run_key: ContextVar[str | None] = ContextVar("run_key", default=None)


def current_run_key() -> str | None:
    """The slot the running job (under its lease) is running, else None."""
    return _run_key.get()


def _leased(app: Flask, job, job_id: str, trigger) -> object:
    """Run ``job(app)`` only when this node takes the job's lease for the
    current slot; otherwise another node runs (or ran) it: skip."""
    from app import leases
    from app.extensions import db

    run_key = slot_of(trigger, datetime.now(UTC))
    node = app.config["NODE_NAME"]
    with app.app_context():
        engine = db.engine
    try:
        with leases.held(engine, job_id, run_key, node, app.config["JOB_LEASE_SECONDS"]) as lease:
            if lease is None:
                log.info("%s: slot %s runs on another node; skipped here", job_id, run_key)
                return None
            token = _run_key.set(run_key)
            try:
                return job(app)
            finally:
                _run_key.reset(token)
    except Exception as exc:  # noqa: BLE001 - logged; the next slot runs again
        log.error("%s: %s: %s; the next slot runs again", job_id, type(exc).__name__, exc)
        return None
