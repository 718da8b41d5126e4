"""``flask ocr worker|status|retry``."""

from __future__ import annotations

import json
import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db

ocr_cli = AppGroup("ocr", help="OCR of scanned PDFs and images: run the worker, show the queue.")


def _index_inline() -> None:
    """On the embedded default no indexer process runs: apply the outbox rows
    the finished job wrote (never waiting for another writer)."""
    if current_app.config["SEARCH_INLINE_INDEXING"]:
        from app.search.indexer import drain

        drain(current_app.config, wait=False)


@ocr_cli.command("worker")
@click.option("--once", is_flag=True, help="Run the jobs waiting now, then exit.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls when idle.")
def worker(once: bool, interval: float):
    """Make previews, and read scanned pages with Tesseract (one job at a
    time; start several workers for more). Without Tesseract it makes
    previews only. Safe to stop at any moment: a job left half done is taken
    up again once its lease runs out."""
    from app.ocr.service import status, work_once, worker_name
    from app.preview import service as previews

    config = current_app.config
    info = status(config)
    ocr_on = info["ocr"] == "on"
    name = worker_name()
    if ocr_on:
        click.echo(f"ocr worker {name} running ({info.get('ocr_engine', '')}); Ctrl+C to stop")
    else:
        click.echo(f"OCR is {info['ocr']} ({info['ocr_reason']}): making previews only")
    done = 0
    try:
        while True:
            made = previews.work_once(config, name)  # fast: thumbnails first
            db.session.remove()
            if made is not None:
                click.echo(f"preview {made[0][:12]}: {made[1]}")
                continue
            result = work_once(config, name) if ocr_on else None
            db.session.remove()
            if result is None:
                if once:
                    break
                time.sleep(interval)
                continue
            job_id, state = result
            done += 1
            click.echo(f"job {job_id}: {state}")
            _index_inline()
    except KeyboardInterrupt:
        click.echo("stopped")
    if once:
        click.echo(f"{done} jobs processed")


@ocr_cli.command("status")
def status_command():
    """OCR on/off/unavailable and the job queue, as JSON."""
    from app.ocr.service import queue_summary, status

    click.echo(json.dumps({**status(current_app.config), "jobs": queue_summary()}, indent=2))


@ocr_cli.command("retry")
@click.argument("job_id", type=int)
def retry_command(job_id: int):
    """Send a failed job round again."""
    from app.ocr.service import retry

    try:
        retry(job_id)
    except LookupError:
        raise click.ClickException(f"no OCR job {job_id}") from None
    db.session.commit()
    click.echo(f"job {job_id} queued again")


COMMANDS = (ocr_cli,)
