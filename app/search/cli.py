"""``flask search work|rebuild|status``."""

from __future__ import annotations

import json
import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup

search_cli = AppGroup(
    "search", help="This node's full-text index: apply the change log, rebuild, status, check."
)


@search_cli.command("work")
@click.option("--once", is_flag=True, help="Drain what is pending and exit.")
@click.option("--interval", default=0.5, show_default=True, help="Seconds between polls.")
@click.option(
    "--batch-size", default=5000, show_default=True, help="Changes per index commit at most (when behind)."
)
def work(once: bool, interval: float, batch_size: int):
    """Run this node's index writer: apply the change log as it grows."""
    from app.search.indexer import drain

    config = current_app.config
    if once:
        click.echo(f"applied {drain(config, batch_size=batch_size)} index changes")
        return
    click.echo("search indexer running; Ctrl+C to stop")
    try:
        while True:
            applied = drain(config, batch_size=batch_size)
            if applied:
                current_app.logger.info("search: applied %d index changes", applied)
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
        f"in {result['seconds']} s; applied {result['changes_applied']} changes made meanwhile"
    )


@search_cli.command("status")
def status_command():
    """This node's index: state, changes still to apply, size, cursor; and
    every node reading the change log."""
    from sqlalchemy.orm import Session

    from app.extensions import db
    from app.search import changelog
    from app.search.indexer import status

    with Session(db.engine) as session:
        nodes = changelog.nodes(session)
    click.echo(json.dumps({**status(current_app.config), "nodes": nodes}, indent=2))


@search_cli.command("check")
def check_command():
    """Compare this node's index with the database; exit 1 when they disagree."""
    from app.search.indexer import check, status

    result = check(current_app.config)
    state = status(current_app.config)
    click.echo(json.dumps({"node": state["node"], **result, "index_lag": state["index_lag"]}, indent=2))
    if result["missing"] or result["extra"] or result["stale"]:
        raise SystemExit(1)


COMMANDS = [search_cli]
