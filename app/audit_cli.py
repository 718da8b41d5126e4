"""``flask audit verify`` and ``flask audit export``; ``flask numbering set|list``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.cli import domain_errors_as_messages
from app.extensions import db

audit_cli = AppGroup("audit", help="Check the audit trail; export a document's record.")
numbering_cli = AppGroup("numbering", help="Document number patterns per category and type.")


@audit_cli.command("verify")
def audit_verify():
    """Walk the audit chain; exit 1 naming the first broken link."""
    from app.audit import verify_chain

    checked, broken, _event_id = verify_chain()
    if broken:
        raise click.ClickException(f"audit chain broken after checking {checked} events: {broken}")
    click.echo(f"audit chain intact: {checked} events")


@audit_cli.command("export")
@click.argument("number")
@click.option("--as", "admin_email", required=True, help="The exporting admin's e-mail (audited).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="ZIP file to write.")
@domain_errors_as_messages
def audit_export(number, admin_email, out):
    """Write the full record of the document numbered NUMBER as a ZIP."""
    from sqlalchemy import select

    from app.approval.record_export import export_record
    from app.auth.service import user_by_email
    from app.documents.models import Document
    from app.errors import N_, NotFound

    document = db.session.scalar(select(Document).where(Document.number == number))
    if document is None:
        raise NotFound(N_("no document numbered %(number)s"), number=number)
    name, data = export_record(user_by_email(admin_email), document.id)
    db.session.commit()
    path = out or Path(name)
    path.write_bytes(data)
    click.echo(f"wrote {path} ({len(data)} bytes)")


@numbering_cli.command("set")
@click.argument("category")
@click.argument("doc_type")
@click.argument("pattern")
@click.option("--revisions", type=click.Choice(["letters", "numbers"]), default="letters")
@click.option("--as", "admin_email", required=True, help="The admin setting it (audited).")
@domain_errors_as_messages
def numbering_set(category, doc_type, pattern, revisions, admin_email):
    """PATTERN for new documents of CATEGORY and DOC_TYPE ("*" for the category's default)."""
    from app.auth.service import user_by_email
    from app.documents.numbering import set_pattern

    row = set_pattern(user_by_email(admin_email), category, doc_type, pattern, revisions)
    db.session.commit()
    click.echo(f"{row.category}/{row.doc_type}: {row.pattern} (revisions: {row.revision_scheme})")


@numbering_cli.command("list")
def numbering_list():
    from app.documents.numbering import DEFAULT_PATTERN, patterns

    click.echo(f"default: {DEFAULT_PATTERN} (revisions: letters)")
    for row in patterns():
        click.echo(f"{row.category}/{row.doc_type}: {row.pattern} (revisions: {row.revision_scheme})")


COMMANDS = (audit_cli, numbering_cli)
