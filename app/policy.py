"""Visibility rules as data, rendered three ways from one definition.

A feature states who may see its objects once, as a small expression over
facts about the user and the object (``app.documents.policy``,
``app.issues.policy``). The same expression becomes

- a Python check on a loaded object (``check``),
- a SQL WHERE clause for lists and counts (``to_sql``),
- a Whoosh query inside every search, before paging and facet counting
  (``to_whoosh``),

so the three cannot drift apart (tests/integration/test_visibility.py
compares them over every role, state and confidentiality).

Facts about the user (roles, department, id) are known when a rule is
rendered, so user atoms collapse to true or false; facts about the object
are named fields that each rendering binds: an attribute, a column, an
index field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, false, or_, true
from werkzeug.local import LocalProxy
from whoosh import query as wq


class Rule:
    """A predicate over (user, object)."""

    def __or__(self, other: Rule) -> Rule:
        return AnyOf((self, other))

    def __and__(self, other: Rule) -> Rule:
        return AllOf((self, other))


@dataclass(frozen=True)
class Always(Rule):
    """Every logged-in user."""


@dataclass(frozen=True)
class AnyOf(Rule):
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class AllOf(Rule):
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class UserHasRole(Rule):
    roles: tuple[str, ...]


@dataclass(frozen=True)
class FieldIn(Rule):
    """The object's ``field`` has one of ``values``."""

    field: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class FieldIsUsers(Rule):
    """The object's ``field`` equals the user's ``user_attr`` (id, department_id)."""

    field: str
    user_attr: str


# Python ----------------------------------------------------------------------


def check(rule: Rule, user: Any, facts: Mapping[str, Any]) -> bool:
    """Evaluate ``rule`` for ``user`` on an object described by ``facts``."""
    if isinstance(user, LocalProxy):
        # current_user: resolved once here, not at every attribute the rule
        # reads (each lookup through flask-login's proxy costs ~20 µs).
        user = user._get_current_object()
    if isinstance(rule, Always):
        return True
    if isinstance(rule, AnyOf):
        return any(check(r, user, facts) for r in rule.rules)
    if isinstance(rule, AllOf):
        return all(check(r, user, facts) for r in rule.rules)
    if isinstance(rule, UserHasRole):
        return user.has_role(*rule.roles)
    if isinstance(rule, FieldIn):
        return str(facts[rule.field]) in rule.values
    if isinstance(rule, FieldIsUsers):
        return facts[rule.field] == getattr(user, rule.user_attr)
    raise TypeError(f"unknown rule {rule!r}")


# SQL -------------------------------------------------------------------------


def to_sql(rule: Rule, user: Any, columns: Mapping[str, Any]):
    """``rule`` as a SQLAlchemy clause; ``columns`` maps fields to columns."""
    if isinstance(rule, Always):
        return true()
    if isinstance(rule, AnyOf):
        return or_(*(to_sql(r, user, columns) for r in rule.rules))
    if isinstance(rule, AllOf):
        return and_(*(to_sql(r, user, columns) for r in rule.rules))
    if isinstance(rule, UserHasRole):
        return true() if user.has_role(*rule.roles) else false()
    if isinstance(rule, FieldIn):
        return columns[rule.field].in_(rule.values)
    if isinstance(rule, FieldIsUsers):
        return columns[rule.field] == getattr(user, rule.user_attr)
    raise TypeError(f"unknown rule {rule!r}")


# Whoosh ----------------------------------------------------------------------

# Maps a field and a value to the index term that holds it.
TermFor = Callable[[str, Any], wq.Query]


def to_whoosh(rule: Rule, user: Any, term_for: TermFor) -> wq.Query:
    """``rule`` as a Whoosh query; ``term_for(field, value)`` names the term."""
    if isinstance(rule, Always):
        return wq.Every()
    if isinstance(rule, AnyOf):
        parts = [to_whoosh(r, user, term_for) for r in rule.rules]
        if any(isinstance(p, wq.Every) for p in parts):
            return wq.Every()
        parts = [p for p in parts if p is not wq.NullQuery]
        return wq.Or(parts) if parts else wq.NullQuery
    if isinstance(rule, AllOf):
        parts = [to_whoosh(r, user, term_for) for r in rule.rules]
        if any(p is wq.NullQuery for p in parts):
            return wq.NullQuery
        parts = [p for p in parts if not isinstance(p, wq.Every)]
        return wq.And(parts) if parts else wq.Every()
    if isinstance(rule, UserHasRole):
        return wq.Every() if user.has_role(*rule.roles) else wq.NullQuery
    if isinstance(rule, FieldIn):
        return wq.Or([term_for(rule.field, value) for value in rule.values])
    if isinstance(rule, FieldIsUsers):
        return term_for(rule.field, getattr(user, rule.user_attr))
    raise TypeError(f"unknown rule {rule!r}")
