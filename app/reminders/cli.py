"""``flask reports monthly --month 2026-10`` (or ``--quarter 2026-Q4``):
generate the product-tracking report and store it as a new version of its
document; ``flask reminders send``: the reminders job once, now."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.auth.models import User
from app.cli import domain_errors_as_messages
from app.extensions import db

reports_cli = AppGroup("reports", help="Product-tracking reports.")
reminders_cli = AppGroup("reminders", help="Reminders and escalation.")


@reports_cli.command("monthly")
@click.option("--month", help="YYYY-MM")
@click.option("--quarter", help="YYYY-Qn: the quarter's report instead")
@click.option("--as", "as_email", help="An administrator's e-mail: the report's author")
@click.option("--out", "out", type=click.Path(dir_okay=False), help="Also write the PDF here")
@click.option("--docx", "docx", type=click.Path(dir_okay=False), help="Also write an editable DOCX copy here")
@domain_errors_as_messages
def monthly(month, quarter, as_email, out, docx):
    from app.reminders import report

    if bool(month) == bool(quarter):
        raise click.UsageError("give exactly one of --month YYYY-MM or --quarter YYYY-Qn")
    period = report.parse_month(month) if month else report.parse_quarter(quarter)
    requested_by = None
    if as_email:
        requested_by = db.session.scalar(select(User).where(User.email == as_email.strip().lower()))
        if requested_by is None or not requested_by.active or not requested_by.has_role("admin"):
            raise click.ClickException(f"{as_email} is not an active administrator")
    started = time.perf_counter()
    version = report.publish(period, requested_by=requested_by)
    db.session.commit()
    if out:
        from app.storage import get_store

        with get_store().open(version.sha256) as stream:
            Path(out).write_bytes(stream.read())
    if docx:
        Path(docx).write_bytes(report.render_docx(report.figures(period)))
    click.echo(
        f"{version.document.number} v{version.number} {version.document.title} "
        f"({version.size} bytes, {time.perf_counter() - started:.1f} s)"
    )


@reminders_cli.command("send")
@domain_errors_as_messages
def send():
    from app.reminders.service import send_reminders

    sent = send_reminders()
    db.session.commit()
    click.echo(f"{len(sent)} reminders sent")


sales_cli = AppGroup("sales", help="Units sold per product and month (the failure rate's denominator).")


@sales_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@domain_errors_as_messages
def sales_import(path):
    """CSV: product,month,units (month YYYY-MM). All rows or none."""
    from app.reminders.assessment import import_units

    result = import_units(Path(path).read_bytes())
    db.session.commit()
    click.echo(f"{result.created} rows added, {result.updated} updated")


COMMANDS = (reports_cli, reminders_cli, sales_cli)
