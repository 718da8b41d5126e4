"""``flask storage gc``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

storage_cli = AppGroup("storage", help="The blob store.")


@storage_cli.command("gc")
@click.option(
    "--older-than",
    "older_than",
    default=24.0,
    show_default=True,
    type=click.FloatRange(min=1),
    help="Hours a file must be unreferenced and untouched before it is removed.",
)
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
def gc_command(older_than: float, dry_run: bool):
    """Remove blob files that have no row in the database (left by a worker
    killed between storing a file and committing its row)."""
    from app.documents.blobs import collect_garbage
    from app.storage import get_store

    result = collect_garbage(get_store(), older_than_hours=older_than, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    for sha256 in result["removed"]:
        click.echo(f"{verb} {sha256}")
    click.echo(f"{verb} {len(result['removed'])} unreferenced blob files, {result['bytes']} bytes")


COMMANDS = [storage_cli]
