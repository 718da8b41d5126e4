"""The command line: departments, users, tokens; bad input exits non-zero."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db


def test_departments_and_users_from_the_command_line(runner):
    result = runner.invoke(args=["departments", "create", "RD", "--name", "研發部"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=["users", "create", "Lin@Example.com", "--name", "林工程師", "--department", "RD",
              "--role", "author", "--role", "dept_head", "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "lin@example.com"))
    assert user.roles == {"author", "dept_head"}

    result = runner.invoke(args=["users", "token", "lin@example.com"])
    assert result.exit_code == 0
    token = result.output.strip()
    assert token.startswith("dt_")


def test_bad_input_exits_non_zero_with_one_line(runner):
    runner.invoke(args=["departments", "create", "RD", "--name", "R&D"])
    cases = [
        ["departments", "create", "RD", "--name", "again"],
        ["departments", "create", "bad code!", "--name", "x"],
        ["users", "create", "not-an-email", "--name", "x", "--department", "RD", "--role", "author",
         "--password-stdin"],
        ["users", "create", "a@example.com", "--name", "x", "--department", "NOPE", "--role", "author",
         "--password-stdin"],
        ["users", "create", "a@example.com", "--name", "x", "--department", "RD", "--role", "wizard",
         "--password-stdin"],
        ["users", "token", "nobody@example.com"],
    ]
    for args in cases:
        result = runner.invoke(args=args, input="a long enough password\n")
        assert result.exit_code != 0, args
        assert result.output.strip().startswith("Error:"), result.output
        assert len(result.output.strip().splitlines()) == 1, result.output


def test_short_password_is_refused(runner):
    runner.invoke(args=["departments", "create", "RD", "--name", "R&D"])
    result = runner.invoke(
        args=["users", "create", "a@example.com", "--name", "x", "--department", "RD",
              "--role", "author", "--password-stdin"], input="short\n")
    assert result.exit_code != 0 and "password" in result.output


def test_storage_gc_removes_only_old_unreferenced_blob_files(app, runner, make_user, make_document):
    """A worker killed between storing a file and committing its row leaves
    a blob file with no row; `flask storage gc` removes it once it is old,
    and never a file a version uses or one an upload may still commit."""
    import hashlib
    import io
    import os
    import time

    from app.storage import get_store

    document = make_document(make_user("author"), content="X200 manual\n")
    store = get_store()
    used = document.versions[0].sha256
    orphans = []
    for content in (b"left by a killed worker", b"an upload about to commit"):
        staged = store.stage(io.BytesIO(content), 100)
        store.put_file(staged.path, staged.sha256)
        orphans.append(hashlib.sha256(content).hexdigest())
    old_orphan, young_orphan = orphans
    for sha in (used, old_orphan):
        os.utime(store.path(sha), (time.time() - 3 * 86400,) * 2)

    dry = runner.invoke(args=["storage", "gc", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"would remove {old_orphan}" in dry.output and young_orphan not in dry.output
    assert store.exists(old_orphan)

    result = runner.invoke(args=["storage", "gc"])
    assert result.exit_code == 0, result.output
    assert "removed 1 unreferenced blob files" in result.output
    assert sorted(store.iter_hashes()) == sorted([used, young_orphan])
    assert store.verify(used)

    bad = runner.invoke(args=["storage", "gc", "--older-than", "0"])
    assert bad.exit_code != 0


def test_the_scheduler_collects_storage_garbage_nightly(app, make_user, make_document):
    """The nightly job does what `flask storage gc` does: an old file with no
    row goes, a used file and a young orphan stay."""
    import io
    import os
    import time

    from app.backup.scheduler import make_scheduler, run_storage_gc_job
    from app.storage import get_store

    document = make_document(make_user("author"), content="X200 manual\n")
    store = get_store()
    used = document.versions[0].sha256
    orphans = []
    for content in (b"left by a killed worker", b"an upload about to commit"):
        staged = store.stage(io.BytesIO(content), 100)
        store.put_file(staged.path, staged.sha256)
        orphans.append(staged.sha256)
    for sha in (used, orphans[0]):
        os.utime(store.path(sha), (time.time() - 3 * 86400,) * 2)
    assert run_storage_gc_job(app) == 1
    assert sorted(store.iter_hashes()) == sorted([used, orphans[1]])
    assert run_storage_gc_job(app) == 0  # twice is harmless
    job = make_scheduler(app).get_job("storage_gc")
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["hour"], fields["minute"]) == ("3", "30")
