"""Command line: ``flask --app wsgi users|departments|demo|search|backup ...``.

Every command exits non-zero with a one-line message on bad input.
"""

from __future__ import annotations

import functools
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from app.errors import DomainError
from app.extensions import db


def domain_errors_as_messages(func):
    """Turn a DomainError into ``Error: <message>`` and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None

    return wrapper


users_cli = AppGroup("users", help="Manage user accounts and API tokens.")
departments_cli = AppGroup("departments", help="Manage departments.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--department", "department_code", required=True, help="Department code, e.g. RD")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help="admin, leader, dept_head, author, support or qc (repeatable)",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@domain_errors_as_messages
def users_create(email, name, department_code, roles, password_stdin):
    from app.auth import service

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = service.create_user(
        email, name=name, department_code=department_code, roles=list(roles), password=password
    )
    db.session.commit()
    click.echo(f"created user {user.email} ({', '.join(sorted(user.roles))}) in {user.department.code}")


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@domain_errors_as_messages
def users_set_password(email, password_stdin):
    """Give EMAIL a new password; every session of that user ends."""
    from app.auth import service

    user = service.user_by_email(email)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    service.set_password(user, password)
    db.session.commit()
    click.echo(f"password of {user.email} changed; their sessions have ended")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="cli", help="A label for the token.")
@domain_errors_as_messages
def users_token(email, name):
    """Print a new API token for EMAIL (shown once, stored hashed)."""
    from app.auth import service

    token = service.create_token(service.user_by_email(email), name)
    db.session.commit()
    click.echo(token)


@departments_cli.command("create")
@click.argument("code")
@click.option("--name", required=True)
@domain_errors_as_messages
def departments_create(code, name):
    from app.auth import service

    department = service.create_department(code, name)
    db.session.commit()
    click.echo(f"created department {department.code}: {department.name}")


@click.command("demo")
@click.option("--quiet", is_flag=True)
@domain_errors_as_messages
def demo(quiet):
    """Load the demo data set (idempotent) and print the demo logins."""
    from app.demo.loader import load_demo

    credentials = load_demo()
    if not quiet:
        click.echo("Demo users (email / password / roles):")
        for email, password, roles in credentials:
            click.echo(f"  {email:28} {password:22} {', '.join(roles)}")


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(departments_cli)
    app.cli.add_command(demo)
    from app import audit_cli
    from app.backup import cli as backup_cli
    from app.documents import import_cli
    from app.ocr import cli as ocr_cli
    from app.reminders import cli as reports_cli
    from app.search import cli as search_cli
    from app.storage import cli as storage_cli

    for module in (search_cli, backup_cli, storage_cli, audit_cli, import_cli, ocr_cli, reports_cli):
        for command in module.COMMANDS:
            app.cli.add_command(command)
