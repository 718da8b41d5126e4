"""``flask search work|rebuild|status``."""

from __future__ import annotations

import json
import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup

search_cli = AppGroup("search", help="The full-text index: drain the outbox, rebuild, status.")


@search_cli.command("work")
@click.option("--once", is_flag=True, help="Drain what is pending and exit.")
@click.option("--interval", default=0.5, show_default=True, help="Seconds between polls.")
@click.option("--batch-size", default=500, show_default=True, help="Outbox rows per index commit.")
def work(once: bool, interval: float, batch_size: int):
    """Run the single index writer: apply outbox rows as they arrive."""
    from app.search.indexer import drain

    config = current_app.config
    if once:
        click.echo(f"applied {drain(config, batch_size=batch_size)} outbox rows")
        return
    click.echo("search indexer running; Ctrl+C to stop")
    try:
        while True:
            applied = drain(config, batch_size=batch_size)
            if applied:
                current_app.logger.info("search: applied %d outbox rows", applied)
            time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("stopped")


@search_cli.command("rebuild")
@click.option("--batch-size", default=500, show_default=True, help="Rows read from the database at a time.")
@click.option(
    "--commit-every",
    default=20000,
    show_default=True,
    help="Objects between index commits (where a killed rebuild resumes).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def rebuild_command(batch_size: int, commit_every: int, quiet: bool):
    """Recreate the index from the database (built beside, then swapped).
    A rebuild that was killed continues where it last committed."""
    from app.search.indexer import rebuild

    bar: dict = {}
    shown = {"done": 0}

    def progress(done: int, total: int) -> None:
        if quiet:
            return
        if "bar" not in bar:
            bar["bar"] = click.progressbar(
                length=max(total, 1),
                label="indexing",
                show_pos=True,
                show_percent=True,
                show_eta=True,
                file=sys.stderr,
            )
            bar["bar"].__enter__()
            shown["done"] = 0
        bar["bar"].update(done - shown["done"])
        shown["done"] = done

    try:
        result = rebuild(
            current_app.config, batch_size=batch_size, commit_every=commit_every, progress=progress
        )
    finally:
        if "bar" in bar:
            bar["bar"].__exit__(None, None, None)
    resumed = " (resumed)" if result["resumed"] else ""
    click.echo(
        f"indexed {result['document']} documents and {result['issue']} problem reports{resumed} "
        f"in {result['seconds']} s; applied {result['outbox_applied']} pending outbox rows"
    )


@search_cli.command("status")
def status_command():
    """Outbox lag and index size."""
    from app.search.indexer import status

    click.echo(json.dumps(status(current_app.config), indent=2))


@search_cli.command("check")
def check_command():
    """Compare the index with the database; exit 1 when they disagree."""
    from app.search.indexer import check, status

    result = check(current_app.config)
    lag = status(current_app.config)["index_lag"]
    click.echo(json.dumps({**result, "index_lag": lag}, indent=2))
    if result["missing"] or result["extra"] or result["stale"]:
        raise SystemExit(1)


COMMANDS = [search_cli]
