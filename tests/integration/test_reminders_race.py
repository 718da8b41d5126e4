"""Two schedulers sending reminders against one PostgreSQL database at the
same moment: every reminder is sent exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.backup.scheduler import run_reminders_job
from app.extensions import db
from app.notify.models import Notification
from app.reminders import service
from app.reminders.models import ReminderSent
from tests.databases import PG_URL

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set DOCTRACK_TEST_DATABASE_URL")]

FROZEN = "2026-11-23T01:00:00+00:00"


def overdue_documents(make_user, make_document, count: int):
    author = make_user("author", "RD")
    make_user("dept_head", "RD")
    for n in range(count):
        document = make_document(author, title=f"Manual {n}")
        document.versions[0].state = "effective"
        document.review_due = date(2026, 11, 1) + timedelta(days=n % 20)
    db.session.commit()


def notifications_per_reminder() -> list[int]:
    rows = db.session.execute(
        select(Notification.user_id, Notification.message, func.count()).group_by(Notification.user_id, Notification.message)
    ).all()
    return [count for _user, _message, count in rows]


def test_second_scheduler_waits_for_the_first_and_sends_nothing(app, make_user, make_document, monkeypatch):
    """Deterministic: A has inserted its records and not committed when B runs."""
    overdue_documents(make_user, make_document, 5)
    a_inserted, b_started = threading.Event(), threading.Event()
    original = service.remind_approvals  # runs after the reviews were claimed
    results: dict[str, int] = {}

    def hold(today, sent):
        if threading.current_thread().name == "A":
            a_inserted.set()
            b_started.wait(20)
            threading.Event().wait(1.0)  # B is now blocked on A's rows
        return original(today, sent)

    monkeypatch.setattr(service, "remind_approvals", hold)

    def run(name):
        with time_machine.travel(FROZEN, tick=False):
            results[name] = run_reminders_job(app)

    a = threading.Thread(target=run, args=("A",), name="A")
    a.start()
    assert a_inserted.wait(30)
    b = threading.Thread(target=run, args=("B",), name="B")
    b.start()
    b_started.set()
    a.join(60)
    b.join(60)
    assert results == {"A": 10, "B": 0}  # 5 documents x (owner, head)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 10
    assert sorted(notifications_per_reminder()) == [1] * 10


SCHEDULER = textwrap.dedent("""
    import sys, time, time_machine
    from pathlib import Path
    from app import create_app
    from app.backup.scheduler import run_reminders_job
    url, instance, go = sys.argv[1:4]
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x", "INSTANCE_DIR": instance})
    while not Path(go).exists():
        time.sleep(0.01)
    with time_machine.travel("__FROZEN__", tick=False):
        print(run_reminders_job(app))
""").replace("__FROZEN__", FROZEN)


def test_two_scheduler_processes_at_once_send_each_reminder_once(app, app_config, make_user, make_document, tmp_path):
    overdue_documents(make_user, make_document, 40)
    db.session.remove()
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SCHEDULER, app_config["DATABASE_URL"], str(tmp_path / f"i{n}"), str(go)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for n in range(2)
    ]
    threading.Event().wait(3)  # both have started and imported the app
    go.touch()
    outputs = [p.communicate(timeout=180) for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    counts = [int(out.strip().splitlines()[-1]) for out, _err in outputs]
    assert sum(counts) == 80, counts  # 40 documents x (owner, head), split between the two however it fell
    assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 80
    assert sorted(notifications_per_reminder()) == [1] * 80
