"""``flask backup create|verify|restore|list|prune`` and ``flask scheduler``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.backup import service
from app.errors import DomainError

backup_cli = AppGroup("backup", help="Back up, verify, restore and prune.")


def _fail(message: str):
    raise click.ClickException(message)


@backup_cli.command("create")
@click.option("--to", "to", type=click.Path(file_okay=False), help="Directory for the backup.")
def create(to):
    """Write one backup (database snapshot, blobs, manifest)."""
    try:
        path = service.create_backup(current_app._get_current_object(), to)
    except DomainError as exc:
        _fail(exc.message)
    problems = service.verify_backup(path)
    click.echo(f"{path}")
    if problems:
        _fail("the new backup does not verify: " + "; ".join(problems))


@backup_cli.command("verify")
@click.argument("path", type=click.Path())
def verify(path):
    """Re-read everything and compare with the manifest."""
    problems = service.verify_backup(path)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        _fail(f"{len(problems)} problem(s) in {path}")
    click.echo(f"{path}: OK")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--into",
    type=click.Path(file_okay=False),
    help="Instance folder (search index) to restore into (default: DOCTRACK_INSTANCE_DIR).",
)
@click.option("--database-url", help="Target database (default: the configured DOCTRACK_DATABASE_URL).")
@click.option(
    "--storage-dir",
    type=click.Path(file_okay=False),
    help="Target blob storage (default: the configured DOCTRACK_STORAGE_DIR).",
)
@click.option("--force", is_flag=True, help="Replace a non-empty instance.")
def restore(path, into, database_url, storage_dir, force):
    """Restore PATH where this configuration keeps its data (database,
    storage, index), check it, rebuild the index."""
    from app.backup.restore import restore_backup

    config = {
        name: current_app.config[name] for name in ("INSTANCE_DIR", "STORAGE_DIR", "SQLALCHEMY_DATABASE_URI")
    }
    try:
        result = restore_backup(
            path, config=config, into=into, database_url=database_url, storage_dir=storage_dir, force=force
        )
    except DomainError as exc:
        _fail(exc.message)
    click.echo(
        f"restored {result['rows']} rows in {result['tables']} tables into {result['database']}, "
        f"{result['blobs']} blobs into {result['storage']}; search index rebuilt in {result['instance']}"
    )


@backup_cli.command("list")
def list_command():
    for backup in service.list_backups(current_app.config["BACKUP_DIR"]):
        state = {True: "verified", False: "FAILED", None: "unverified"}[backup.verified]
        click.echo(
            f"{backup.name}  {backup.size / 1e6:8.1f} MB  {backup.age_seconds / 3600:7.1f} h old  {state}"
        )


@backup_cli.command("prune")
@click.option("--dry-run", is_flag=True)
def prune_command(dry_run):
    """Delete backups outside the retention policy."""
    config = current_app.config
    removed = service.prune(
        config["BACKUP_DIR"],
        daily=config["BACKUP_KEEP_DAILY"],
        weekly=config["BACKUP_KEEP_WEEKLY"],
        monthly=config["BACKUP_KEEP_MONTHLY"],
        dry_run=dry_run,
    )
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{verb} {len(removed)} backup(s)" + (": " + ", ".join(removed) if removed else ""))


@click.command("scheduler")
def scheduler_command():
    """Run backup create + prune on DOCTRACK_BACKUP_CRON (default 02:00 daily)."""
    from app.backup.scheduler import make_scheduler

    scheduler = make_scheduler(current_app._get_current_object())
    click.echo(f"backup scheduler running on '{current_app.config['BACKUP_CRON']}'; Ctrl+C to stop")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("stopped")


COMMANDS = [backup_cli, scheduler_command]
