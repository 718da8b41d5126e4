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
