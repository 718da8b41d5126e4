"""``flask import folder PATH --mapping mapping.csv --as EMAIL``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.cli import domain_errors_as_messages

import_cli = AppGroup("import", help="Import legacy documents.")


@import_cli.command("folder")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--mapping",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV: path,number,title,category,type,department,product,version,effective_date,state",
)
@click.option("--as", "as_email", required=True, help="Email of the admin the import is done as.")
@click.option(
    "--state-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where done rows are recorded (default: PATH/.doctrack-import.json).",
)
@domain_errors_as_messages
def import_folder(path: Path, mapping: Path, as_email: str, state_file: Path | None):
    """Import the files under PATH with their metadata from the mapping CSV.

    Resumable: rows already done (same path and content) are skipped. Each
    refused row is reported with its reason; the exit status is 1 when any was.
    """
    from app.documents import legacy_import

    legacy_import.import_admin(as_email)
    rows = legacy_import.read_mapping(mapping)
    state = legacy_import.ImportState(state_file or path / legacy_import.STATE_FILE)
    outcomes = []

    def report(outcome: legacy_import.Outcome) -> None:
        if outcome.status == "refused":
            click.echo(f"refused {outcome.row.path} (line {outcome.row.line}): {outcome.message}")

    with click.progressbar(
        legacy_import.run_import(as_email, path, rows, state, report),
        length=len(rows),
        label="Importing",
        file=sys.stderr,
    ) as progress:
        for outcome in progress:
            outcomes.append(outcome)
    summary = legacy_import.summarize(outcomes)
    click.echo(
        f"imported {summary.imported}, skipped {summary.skipped} as already done, "
        f"refused {len(summary.refused)}"
    )
    if summary.refused:
        sys.exit(1)


COMMANDS = [import_cli]
